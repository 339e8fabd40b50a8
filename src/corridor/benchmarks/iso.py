"""`corridor bench iso`: parse + validate + extract throughput, and the xsdata baseline.

Workloads (one core, this process, no guards, no clock checks):
- pacs.008 with 1 transaction and with 100 transactions (Corridor envelope + AppHdr +
  Document): `parse_message` with the schema registry and the business rules;
- pacs.002: build from records to bytes, then validate and extract it again;
- baseline: xsdata's XmlParser parsing the same single-transaction Document into the
  pyiso20022 pacs.008.001.08 classes (no schema validation, no business rules).
Rates are per CPU-second of one core (the benchmark runs single-threaded).
Target: >= 5,000 single-transaction pacs.008/s and >= 3x the baseline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from statistics import median

from lxml import etree
from pyiso20022.pacs.pacs_008_001_08 import Document
from xsdata.formats.dataclass.parsers import XmlParser

from corridor.iso20022.envelope import locate_parts
from corridor.iso20022.examples import AT, DEBTOR_BANK, HUB, credit_transfer, status_report
from corridor.iso20022.outbound import build_message, make_header
from corridor.iso20022.pipeline import ParsedMessage, Policy, parse_message
from corridor.iso20022.schema import SchemaRegistry
from corridor.iso20022.secure import secure_parse

TARGET_SINGLE_PER_S = 5_000
TARGET_RATIO = 3.0
DURATION_S_MAX = 60.0


@dataclass(frozen=True, slots=True)
class IsoBenchResult:
    single_per_s: float
    batch100_messages_per_s: float
    batch100_transactions_per_s: float
    pacs002_build_validate_per_s: float
    baseline_xsdata_per_s: float
    ratio: float
    message_bytes_single: int
    message_bytes_batch100: int

    def meets_targets(self) -> bool:
        return self.single_per_s >= TARGET_SINGLE_PER_S and self.ratio >= TARGET_RATIO


def _rate(work: Callable[[], object], duration_s: float) -> float:
    """Operations per CPU-second of this (single-threaded) process, over ~duration_s.

    CPU time, not wall time: the development machine is shared, and other processes'
    load would otherwise be counted against this one core.
    """
    work()  # warm caches (schemas compiled, parser made)
    count = 0
    start_cpu = time.process_time()
    deadline = time.perf_counter() + duration_s
    while True:
        for _ in range(20):
            work()
        count += 20
        if time.perf_counter() >= deadline:
            return count / (time.process_time() - start_cpu)


def _message(transactions: int) -> bytes:
    body = credit_transfer(transactions)
    return build_message(make_header(body, DEBTOR_BANK, HUB, AT), body)


def _accept(data: bytes, policy: Policy) -> Callable[[], object]:
    def work() -> object:
        result = parse_message(data, policy)
        if not isinstance(result, ParsedMessage):
            raise AssertionError(f"benchmark message refused: {result.message}")
        return result

    return work


def _baseline(data: bytes) -> Callable[[], object]:
    parts = locate_parts(secure_parse(data))  # type: ignore[arg-type]
    document = etree.tostring(parts.document)  # type: ignore[union-attr, arg-type]
    parser = XmlParser()
    return lambda: parser.from_bytes(document, Document)


def run(duration_s: float = 2.0, rounds: int = 5) -> IsoBenchResult:
    """Each workload gets `duration_s` in total, split into `rounds` interleaved slices.

    Interleaving and taking the median per workload (and of the per-round ratios) keeps a
    burst of load from other processes from landing on one workload only.
    """
    if not 0 < duration_s <= DURATION_S_MAX:
        raise ValueError(f"duration_s must be in (0, {DURATION_S_MAX}]: {duration_s}")
    if not 1 <= rounds <= 50:
        raise ValueError(f"rounds must be in 1..50: {rounds}")
    policy = Policy(schemas=SchemaRegistry.default())
    single, batch = _message(1), _message(100)
    report = status_report()
    header = make_header(report, HUB, DEBTOR_BANK, AT)

    def build_and_validate() -> object:
        return _accept(build_message(header, report), policy)()

    workloads = {
        "single": _accept(single, policy),
        "batch": _accept(batch, policy),
        "pacs002": build_and_validate,
        "baseline": _baseline(single),
    }
    rates: dict[str, list[float]] = {name: [] for name in workloads}
    for _ in range(rounds):
        for name, work in workloads.items():
            rates[name].append(_rate(work, duration_s / rounds))
    ratios = [s / b for s, b in zip(rates["single"], rates["baseline"], strict=True)]
    batch_rate = median(rates["batch"])
    return IsoBenchResult(
        single_per_s=median(rates["single"]),
        batch100_messages_per_s=batch_rate,
        batch100_transactions_per_s=batch_rate * 100,
        pacs002_build_validate_per_s=median(rates["pacs002"]),
        baseline_xsdata_per_s=median(rates["baseline"]),
        ratio=median(ratios),
        message_bytes_single=len(single),
        message_bytes_batch100=len(batch),
    )
