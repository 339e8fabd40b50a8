"""`SchemaRegistry`: one compiled XSD per ISO 20022 namespace, compiled on first use."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from corridor.iso20022.schema import _cache, _models
from corridor.iso20022.schema._errors import SchemaBuildError, SchemaSourceError
from corridor.iso20022.schema._issues import ContentIndex, SchemaIssue, issues_from_log
from corridor.iso20022.schema._xsd_writer import write_xsd

XSD_FILES_MAX = 1_000
_XSD_SUFFIX = ".xsd"

XsdLoader = Callable[[], etree._Element]


def _xsd_parser() -> etree.XMLParser:
    """No DTD, no entities, no network: an XSD may only reach files next to it."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
    )


@dataclass(slots=True)
class _Compiled:
    """A compiled schema and what is needed to explain its errors."""

    schema: etree.XMLSchema
    xsd: etree._Element
    lock: threading.Lock = field(default_factory=threading.Lock)
    index: ContentIndex | None = None

    def validate(self, element: etree._Element) -> list[SchemaIssue]:
        with self.lock:  # an XMLSchema keeps one error log: one validation at a time
            if self.schema.validate(element):
                return []
            entries = list(self.schema.error_log)
        if self.index is None:
            self.index = ContentIndex(self.xsd)
        return issues_from_log(element, entries, self.index)


class SchemaRegistry:
    """ISO 20022 schemas by namespace; `validate` dispatches on an element's namespace.

    Build one with `default()` (from the pyiso20022 models, no network, XSDs cached on
    disk) or `from_directory()` (an operator's own XSDs). Schemas compile on first use
    and are kept; validation is safe from several threads of one process.
    """

    def __init__(self, loaders: Mapping[str, XsdLoader]) -> None:
        self._loaders = dict(loaders)
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    @classmethod
    def default(cls, cache_dir: Path | None = None) -> SchemaRegistry:
        """Schemas derived from pyiso20022's models for every message version it has.

        Generated XSDs are cached in `cache_dir` (default `$CORRIDOR_CACHE_DIR/xsd`, else
        `~/.cache/corridor/xsd`), keyed by the pyiso20022 and xsdata versions.
        """
        directory = cache_dir if cache_dir is not None else _cache.default_cache_dir()
        versions = _cache.model_versions()
        loaders: dict[str, XsdLoader] = {}
        for namespace, message_id in _models.available_message_ids().items():
            loaders[namespace] = _model_loader(message_id, namespace, directory, versions)
        return cls(loaders)

    @classmethod
    def from_directory(cls, xsd_dir: Path) -> SchemaRegistry:
        """Schemas from an operator-supplied directory: one `*.xsd` per target namespace.

        Files that another file includes (same namespace, `xs:include`) are parts, not
        entry points. Raises SchemaSourceError naming the directory or file at fault.
        """
        if not xsd_dir.is_dir():
            raise SchemaSourceError("not a directory", field="xsd_dir", value=str(xsd_dir))
        paths = sorted(xsd_dir.glob("*" + _XSD_SUFFIX))
        if not paths:
            raise SchemaSourceError("no *.xsd file", field="xsd_dir", value=str(xsd_dir))
        if len(paths) > XSD_FILES_MAX:
            raise SchemaSourceError(
                f"more than {XSD_FILES_MAX} XSD files", field="xsd_dir", value=str(xsd_dir)
            )
        return cls(_directory_loaders(paths))

    def namespaces(self) -> list[str]:
        """Every namespace this registry can validate, sorted."""
        return sorted(self._loaders)

    def knows(self, namespace: str) -> bool:
        return namespace in self._loaders

    def validate(self, element: etree._Element) -> list[SchemaIssue]:
        """Issues of `element` (a Document or AppHdr) against its namespace's schema; [] = valid."""
        qname = etree.QName(element)
        namespace = qname.namespace or ""
        if namespace not in self._loaders:
            shown = namespace or "(no namespace)"
            message = f"no schema for namespace {shown} of element {qname.localname}"
            return [SchemaIssue(f"/{qname.localname}", namespace or None, "namespace", message)]
        return self._compiled_for(namespace).validate(element)

    def schema(self, namespace: str) -> etree.XMLSchema:
        """The compiled lxml schema of a known namespace (compiling it if needed)."""
        if namespace not in self._loaders:
            raise SchemaSourceError("unknown namespace", field="namespace", value=namespace)
        return self._compiled_for(namespace).schema

    def xsd(self, namespace: str) -> etree._Element:
        """The XSD document behind a known namespace (e.g. to hand to a participant)."""
        if namespace not in self._loaders:
            raise SchemaSourceError("unknown namespace", field="namespace", value=namespace)
        return self._compiled_for(namespace).xsd

    def _compiled_for(self, namespace: str) -> _Compiled:
        compiled = self._compiled.get(namespace)
        if compiled is not None:
            return compiled
        with self._lock:
            compiled = self._compiled.get(namespace)
            if compiled is None:
                xsd = self._loaders[namespace]()
                compiled = _Compiled(schema=_compile(xsd, namespace), xsd=xsd)
                self._compiled[namespace] = compiled
        return compiled


def _compile(xsd: etree._Element, namespace: str) -> etree.XMLSchema:
    try:
        return etree.XMLSchema(xsd)
    except etree.XMLSchemaParseError as error:
        raise SchemaSourceError(
            f"XSD does not compile: {error}", field="namespace", value=namespace
        ) from error


def _model_loader(message_id: str, namespace: str, cache_dir: Path, versions: str) -> XsdLoader:
    def load() -> etree._Element:
        path = _cache.cached_path(cache_dir, versions, message_id)
        cached = _cache.read_cached(path)
        if cached is not None:
            xsd = _parse_generated(cached, namespace)
            if xsd is not None:
                return xsd
        data = write_xsd(_models.build_spec(message_id), versions)
        _cache.write_atomic(path, data)  # a read-only cache only costs a regeneration
        xsd = _parse_generated(data, namespace)
        if xsd is None:
            raise SchemaBuildError(f"generated XSD of {message_id} does not parse")
        return xsd

    return load


def _parse_generated(data: bytes, namespace: str) -> etree._Element | None:
    """The parsed XSD, or None when it is not the schema of `namespace` (a damaged cache)."""
    try:
        xsd = etree.fromstring(data, _xsd_parser())
    except etree.XMLSyntaxError:
        return None
    return xsd if xsd.get("targetNamespace") == namespace else None


def _directory_loaders(paths: list[Path]) -> dict[str, XsdLoader]:
    by_namespace: dict[str, list[Path]] = {}
    included: set[Path] = set()
    for path in paths:
        xsd = _parse_file(path)
        namespace = xsd.get("targetNamespace")
        if not namespace:
            raise SchemaSourceError("XSD has no targetNamespace", field="xsd_file", value=str(path))
        by_namespace.setdefault(namespace, []).append(path)
        for include in xsd.iter("{http://www.w3.org/2001/XMLSchema}include"):
            included.add((path.parent / include.get("schemaLocation", "")).resolve())
    loaders: dict[str, XsdLoader] = {}
    for namespace, candidates in by_namespace.items():
        entries = [p for p in candidates if p.resolve() not in included]
        if len(entries) != 1:
            shown = ", ".join(p.name for p in candidates)
            raise SchemaSourceError(
                f"several XSD files for one namespace: {shown}", field="namespace", value=namespace
            )
        loaders[namespace] = _file_loader(entries[0])
    return loaders


def _file_loader(path: Path) -> XsdLoader:
    def load() -> etree._Element:
        return _parse_file(path)

    return load


def _parse_file(path: Path) -> etree._Element:
    try:
        if path.stat().st_size > _cache.XSD_BYTES_MAX:
            raise SchemaSourceError(
                f"larger than {_cache.XSD_BYTES_MAX} bytes", field="xsd_file", value=str(path)
            )
        return etree.parse(str(path), _xsd_parser()).getroot()
    except (OSError, etree.XMLSyntaxError) as error:
        raise SchemaSourceError(
            f"unreadable XSD: {error}", field="xsd_file", value=str(path)
        ) from error
