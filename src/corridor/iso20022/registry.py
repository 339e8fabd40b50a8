"""One registry of message versions, keyed by namespace: adding a version is a data row.

A row names the message (family and version), the local name of the element under
`Document`, the directions Corridor accepts it in, its extractor and (for versions the
hub writes) its builder. Versions that share a shape share code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from corridor.iso20022._xml import ISO_NS_PREFIX, Element
from corridor.iso20022.builders.cash import build_cash
from corridor.iso20022.builders.credit import build_pacs004, build_pacs008, build_pacs009
from corridor.iso20022.builders.other import (
    build_admi002,
    build_camt029,
    build_camt056,
    build_pacs002,
)
from corridor.iso20022.extract.cash import extract_camt052, extract_camt053, extract_camt054
from corridor.iso20022.extract.credit import extract_pacs008, extract_pacs009
from corridor.iso20022.extract.other import (
    extract_admi002,
    extract_camt029,
    extract_camt056,
    extract_pacs002,
    extract_pacs004,
)
from corridor.iso20022.records import Direction

Extractor = Callable[[Element, str], Any]
Builder = Callable[[Any, str], Element]

IN = frozenset({Direction.INBOUND})
OUT = frozenset({Direction.OUTBOUND})
BOTH = IN | OUT
NONE: frozenset[Direction] = frozenset()

HEADER_NAMESPACES = (f"{ISO_NS_PREFIX}head.001.001.02", f"{ISO_NS_PREFIX}head.001.001.03")
HEADER_NAMESPACE_OUT = HEADER_NAMESPACES[0]


@dataclass(frozen=True, slots=True)
class MessageType:
    """One message version.

    Attributes:
        identifier: e.g. "pacs.008.001.08" (also the AppHdr MsgDefIdr).
        root: the local name of the message element under Document, e.g. "FIToFICstmrCdtTrf".
        directions: IN (participants may send it), OUT (the hub sends it); empty = read only
            (inspect and validate, never accepted by the hub).
        extract: Document message element -> record.
        build: record -> Document element, for the versions the hub writes (else None).
    """

    identifier: str
    root: str
    directions: frozenset[Direction]
    extract: Extractor
    build: Builder | None = None

    @property
    def namespace(self) -> str:
        return ISO_NS_PREFIX + self.identifier

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """A registry row pickles as its identifier (every parsed message carries one
        across processes); another row, field by field."""
        if _BY_IDENTIFIER.get(self.identifier) is self:
            return by_identifier, (self.identifier,)
        return MessageType, (self.identifier, self.root, self.directions, self.extract, self.build)

    @property
    def family(self) -> str:
        return self.identifier[:8]

    @property
    def version(self) -> str:
        return self.identifier[9:]


_ROWS: tuple[MessageType, ...] = (
    MessageType("pacs.008.001.08", "FIToFICstmrCdtTrf", BOTH, extract_pacs008, build_pacs008),
    MessageType("pacs.009.001.08", "FICdtTrf", BOTH, extract_pacs009, build_pacs009),
    MessageType("pacs.004.001.09", "PmtRtr", BOTH, extract_pacs004, build_pacs004),
    MessageType("pacs.004.001.10", "PmtRtr", IN, extract_pacs004),
    MessageType("camt.056.001.08", "FIToFIPmtCxlReq", IN, extract_camt056, build_camt056),
    MessageType("camt.029.001.09", "RsltnOfInvstgtn", BOTH, extract_camt029, build_camt029),
    MessageType("pacs.002.001.10", "FIToFIPmtStsRpt", OUT, extract_pacs002, build_pacs002),
    MessageType("pacs.002.001.12", "FIToFIPmtStsRpt", NONE, extract_pacs002),
    MessageType("camt.052.001.08", "BkToCstmrAcctRpt", OUT, extract_camt052, build_cash),
    MessageType("camt.053.001.08", "BkToCstmrStmt", OUT, extract_camt053, build_cash),
    MessageType("camt.054.001.08", "BkToCstmrDbtCdtNtfctn", OUT, extract_camt054, build_cash),
    MessageType("camt.052.001.02", "BkToCstmrAcctRpt", NONE, extract_camt052),
    MessageType("camt.052.001.04", "BkToCstmrAcctRpt", NONE, extract_camt052),
    MessageType("camt.053.001.02", "BkToCstmrStmt", NONE, extract_camt053),
    MessageType("camt.053.001.04", "BkToCstmrStmt", NONE, extract_camt053),
    MessageType("camt.054.001.02", "BkToCstmrDbtCdtNtfctn", NONE, extract_camt054),
    MessageType("camt.054.001.04", "BkToCstmrDbtCdtNtfctn", NONE, extract_camt054),
    MessageType("admi.002.001.01", "admi.002.001.01", OUT, extract_admi002, build_admi002),
)

_BY_NAMESPACE: dict[str, MessageType] = {row.namespace: row for row in _ROWS}
_BY_IDENTIFIER: dict[str, MessageType] = {row.identifier: row for row in _ROWS}

# The version the hub writes for each record type's family.
OUTBOUND_VERSION: dict[str, str] = {
    "pacs.008": "pacs.008.001.08",
    "pacs.009": "pacs.009.001.08",
    "pacs.004": "pacs.004.001.09",
    "camt.056": "camt.056.001.08",
    "camt.029": "camt.029.001.09",
    "pacs.002": "pacs.002.001.10",
    "camt.052": "camt.052.001.08",
    "camt.053": "camt.053.001.08",
    "camt.054": "camt.054.001.08",
    "admi.002": "admi.002.001.01",
}


def by_namespace(namespace: str) -> MessageType | None:
    return _BY_NAMESPACE.get(namespace)


def by_identifier(identifier: str) -> MessageType | None:
    return _BY_IDENTIFIER.get(identifier)


def message_types() -> tuple[MessageType, ...]:
    return _ROWS


def is_header_namespace(namespace: str) -> bool:
    return namespace in HEADER_NAMESPACES
