"""Builders: records to ISO 20022 XML (lxml elements), one module per family.

Every builder is `build(record, ns) -> Element` returning the `Document` element; the
header builder returns `AppHdr`. `corridor.iso20022.outbound` wraps them into bytes.
"""
