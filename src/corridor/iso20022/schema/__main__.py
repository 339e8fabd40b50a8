"""`python -m corridor.iso20022.schema`: warm the XSD cache, export an XSD, measure validation.

python -m corridor.iso20022.schema warm [MESSAGE_ID ...] [--cache-dir DIR]
python -m corridor.iso20022.schema export MESSAGE_ID [--cache-dir DIR]
python -m corridor.iso20022.schema bench [--count N] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

from corridor.foundation.errors import CorridorError
from corridor.iso20022.schema import SchemaRegistry
from corridor.iso20022.schema._models import namespace_of

BENCH_COUNT_DEFAULT = 20_000
BENCH_COUNT_MAX = 10_000_000
_PACS008 = namespace_of("pacs.008.001.08")
BENCH_MESSAGE = f"""<Document xmlns="{_PACS008}"><FIToFICstmrCdtTrf>
<GrpHdr><MsgId>MSG-20240501-000001</MsgId><CreDtTm>2024-05-01T10:00:00Z</CreDtTm>
<NbOfTxs>1</NbOfTxs><SttlmInf><SttlmMtd>CLRG</SttlmMtd><ClrSys><Cd>TGT</Cd></ClrSys></SttlmInf>
</GrpHdr><CdtTrfTxInf><PmtId><InstrId>INSTR-1</InstrId><EndToEndId>E2E-1</EndToEndId>
<UETR>eb6305c9-1f7f-49de-aed0-16487c27b42d</UETR></PmtId>
<IntrBkSttlmAmt Ccy="EUR">1250000.25</IntrBkSttlmAmt><IntrBkSttlmDt>2024-05-01</IntrBkSttlmDt>
<ChrgBr>SHAR</ChrgBr><InstgAgt><FinInstnId><BICFI>ABCDDEFFXXX</BICFI></FinInstnId></InstgAgt>
<InstdAgt><FinInstnId><BICFI>WXYZFRPP</BICFI></FinInstnId></InstdAgt>
<Dbtr><Nm>Alice Importer GmbH</Nm><PstlAdr><StrtNm>Hauptstrasse</StrtNm><BldgNb>1</BldgNb>
<PstCd>60311</PstCd><TwnNm>Frankfurt</TwnNm><Ctry>DE</Ctry></PstlAdr></Dbtr>
<DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>
<DbtrAgt><FinInstnId><BICFI>ABCDDEFFXXX</BICFI></FinInstnId></DbtrAgt>
<CdtrAgt><FinInstnId><BICFI>WXYZFRPP</BICFI></FinInstnId></CdtrAgt>
<Cdtr><Nm>Bob Exporter SA</Nm><PstlAdr><TwnNm>Paris</TwnNm><Ctry>FR</Ctry></PstlAdr></Cdtr>
<CdtrAcct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id></CdtrAcct>
<RmtInf><Ustrd>Invoice 2024-117</Ustrd></RmtInf></CdtTrfTxInf></FIToFICstmrCdtTrf></Document>"""


def _warm(message_ids: list[str], cache_dir: Path | None) -> int:
    registry = SchemaRegistry.default(cache_dir=cache_dir)
    namespaces = [namespace_of(m) for m in message_ids] or registry.namespaces()
    started = time.perf_counter()
    failed = 0
    for namespace in namespaces:
        try:
            registry.schema(namespace)
        except CorridorError as error:
            failed += 1
            print(f"{namespace}: {error}", file=sys.stderr)
    elapsed_s = time.perf_counter() - started
    print(f"{len(namespaces) - failed} schemas ready, {failed} failed, in {elapsed_s:.2f} s")
    return 1 if failed else 0


def _export(message_id: str, cache_dir: Path | None) -> int:
    registry = SchemaRegistry.default(cache_dir=cache_dir)
    xsd = etree.tostring(registry.xsd(namespace_of(message_id)), encoding="unicode")
    sys.stdout.write(xsd + "\n")
    return 0


def bench(count: int) -> dict[str, float | int]:
    """Figures of one-core validation of a single-transaction pacs.008.001.08."""
    if not 0 < count <= BENCH_COUNT_MAX:
        raise ValueError(f"count must be in 1..{BENCH_COUNT_MAX}, got {count}")
    document = etree.fromstring(BENCH_MESSAGE.encode())
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        cold = SchemaRegistry.default(cache_dir=Path(cache))
        assert cold.validate(document) == [], "benchmark message must be valid"
        cold_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        registry = SchemaRegistry.default(cache_dir=Path(cache))
        assert registry.validate(document) == [], "benchmark message must be valid"
        warm_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    for _ in range(count):
        registry.validate(document)
    elapsed_s = time.perf_counter() - started
    return {
        "messages": count,
        "validate_us_per_message": round(elapsed_s / count * 1e6, 2),
        "validate_messages_per_s": round(count / elapsed_s),
        "first_use_uncached_ms": round(cold_ms, 1),
        "first_use_cached_ms": round(warm_ms, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corridor.iso20022.schema")
    commands = parser.add_subparsers(dest="command", required=True)
    warm = commands.add_parser("warm", help="generate and compile schemas into the cache")
    warm.add_argument("message_ids", nargs="*", help="e.g. pacs.008.001.08 (default: all)")
    warm.add_argument("--cache-dir", type=Path)
    export = commands.add_parser("export", help="print the XSD Corridor uses for a message")
    export.add_argument("message_id")
    export.add_argument("--cache-dir", type=Path)
    measure = commands.add_parser("bench", help="measure single-message validation")
    measure.add_argument("--count", type=int, default=BENCH_COUNT_DEFAULT)
    measure.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "warm":
        return _warm(args.message_ids, args.cache_dir)
    if args.command == "export":
        return _export(args.message_id, args.cache_dir)
    figures = bench(args.count)
    if args.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:28} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
