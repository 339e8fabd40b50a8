"""Corridor's schema verdicts equal the official XSDs' on every shared sample.

The official XSDs in ../shared/iso20022/xsd are the oracle; Corridor's registry derives
its schemas from the pyiso20022 models and never reads them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _iso_shared import (
    SchemaShape,
    iso_dir_or_skip,
    iso_parts,
    manifest,
    official_message_ids,
    official_schema,
    part_label,
    secure_parser,
    shape_differences,
)
from lxml import etree

from corridor.iso20022.schema import SchemaRegistry


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> SchemaRegistry:
    return SchemaRegistry.default(cache_dir=tmp_path_factory.mktemp("xsd-cache"))


def _parse(path: Path) -> etree._Element | None:
    try:
        return etree.parse(str(path), secure_parser()).getroot()
    except etree.XMLSyntaxError:
        return None


def _corridor_verdict(registry: SchemaRegistry, root: etree._Element | None) -> bool:
    if root is None:
        return False  # not well-formed: rejected before schema validation
    parts = iso_parts(root) or [_outermost_document(root)]
    return all(not registry.validate(part) for part in parts)


def _outermost_document(root: etree._Element) -> etree._Element:
    """With no ISO element, the element that claims to be one (namespace-broken input)."""
    for node in root.iter(etree.Element):
        if etree.QName(node).localname in ("Document", "AppHdr"):
            return node
    return root


def test_manifest_covers_every_sample_file() -> None:
    samples = iso_dir_or_skip() / "samples"
    on_disk = {str(p.relative_to(samples)) for p in samples.rglob("*.xml")}
    assert on_disk == {s.file for s in manifest()}
    assert len(on_disk) >= 100


def test_every_sample_gets_the_official_verdict(registry: SchemaRegistry) -> None:
    samples = iso_dir_or_skip() / "samples"
    disagreements: list[str] = []
    for sample in manifest():
        root = _parse(samples / sample.file)
        parts = iso_parts(root) if root is not None else []
        assert tuple(part_label(p) for p in parts) == sample.parts, sample.file
        verdict = _corridor_verdict(registry, root)
        if verdict != sample.xsd_valid:
            disagreements.append(f"{sample.file}: corridor={verdict} official={sample.xsd_valid}")
    assert disagreements == []


def test_every_part_matches_the_official_xsd_and_issue_count(registry: SchemaRegistry) -> None:
    samples = iso_dir_or_skip() / "samples"
    checked = 0
    for sample in manifest():
        root = _parse(samples / sample.file)
        for part in iso_parts(root) if root is not None else []:
            message_id = part_label(part).split(":", 1)[1]
            oracle = official_schema(message_id)
            official_ok = oracle.validate(part)
            issues = registry.validate(part)
            assert (not issues) == official_ok, (sample.file, issues[:3])
            assert len(issues) == len(oracle.error_log), sample.file
            checked += 1
    assert checked >= 100


def test_invalid_sample_names_xpath_value_and_rule(registry: SchemaRegistry) -> None:
    path = iso_dir_or_skip() / "samples" / "camt.053" / "iso20022js_abn_amro_example_camt.xml"
    root = _parse(path)
    assert root is not None
    issues = registry.validate(root)
    assert len(issues) >= 3
    assert {i.rule for i in issues} == {"maxLength"}
    first = issues[0]
    assert first.xpath.startswith("/Document/BkToCstmrStmt/Stmt[1]/Ntry[")
    assert first.xpath.endswith("/RmtInf/Ustrd[1]")
    assert first.value is not None
    assert len(first.value) == 204
    assert "140" in first.message


def test_namespace_broken_sample_is_a_namespace_issue(registry: SchemaRegistry) -> None:
    root = _parse(iso_dir_or_skip() / "samples" / "pacs.008" / "aws-guidance_pacs.008.xml")
    assert root is not None
    issues = registry.validate(_outermost_document(root))
    assert [i.rule for i in issues] == ["namespace"]


def test_registry_knows_every_official_version(registry: SchemaRegistry) -> None:
    ids = official_message_ids()
    assert len(ids) >= 39
    for message_id in ids:
        assert registry.knows(f"urn:iso:std:iso:20022:tech:xsd:{message_id}"), message_id


@pytest.mark.parametrize("message_id", ["pacs.008.001.08", "camt.053.001.02", "head.001.001.01"])
def test_generated_xsd_is_cached_and_reused(tmp_path: Path, message_id: str) -> None:
    registry = SchemaRegistry.default(cache_dir=tmp_path)
    registry.schema(f"urn:iso:std:iso:20022:tech:xsd:{message_id}")
    (cached,) = tmp_path.glob(f"*/{message_id}.xsd")
    assert "pyiso20022-" in cached.parent.name
    assert "xsdata-" in cached.parent.name
    shape = SchemaShape(etree.parse(str(cached), secure_parser()))
    assert shape.root.get("targetNamespace") == f"urn:iso:std:iso:20022:tech:xsd:{message_id}"
    assert not list(tmp_path.rglob("*.tmp"))


def test_generated_schemas_have_the_official_content_model(registry: SchemaRegistry) -> None:
    """Every element, occurrence, facet, enumeration, choice and attribute is the official one."""
    xsd_dir = iso_dir_or_skip() / "xsd"
    differences: dict[str, list[str]] = {}
    for message_id in official_message_ids():
        official = SchemaShape(etree.parse(str(xsd_dir / f"{message_id}.xsd"), secure_parser()))
        namespace = f"urn:iso:std:iso:20022:tech:xsd:{message_id}"
        ours = SchemaShape(registry.xsd(namespace))
        found = shape_differences(official, ours)
        if found:
            differences[message_id] = found[:3]
    assert differences == {}


@pytest.mark.slow
def test_every_pyiso20022_version_yields_a_compiling_schema(tmp_path: Path) -> None:
    """An upgrade of pyiso20022 or xsdata that the writer cannot follow fails here, loudly."""
    registry = SchemaRegistry.default(cache_dir=tmp_path)
    namespaces = registry.namespaces()
    assert len(namespaces) >= 300
    for namespace in namespaces:
        assert isinstance(registry.schema(namespace), etree.XMLSchema), namespace
