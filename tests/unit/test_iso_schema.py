"""Unit tests of corridor.iso20022.schema: issues, registry, cache, operator XSDs.

These tests need no ../shared: messages are written inline. The conformance and
differential tests against the official XSDs live in tests/integration.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest
from lxml import etree

from corridor.foundation.errors import CorridorError, InputError
from corridor.iso20022.schema import (
    ISSUES_MAX,
    SchemaBuildError,
    SchemaIssue,
    SchemaRegistry,
    SchemaSourceError,
    _cache,
    _models,
)
from corridor.iso20022.schema import __main__ as schema_main

PACS008 = "urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08"
HEAD002 = "urn:iso:std:iso:20022:tech:xsd:head.001.001.02"
SCHEME = "urn:example:scheme:1"

PACS008_XML = f"""<Document xmlns="{PACS008}"><FIToFICstmrCdtTrf>
<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2024-05-01T10:00:00Z</CreDtTm><NbOfTxs>1</NbOfTxs>
<SttlmInf><SttlmMtd>CLRG</SttlmMtd><ClrSys><Cd>TGT</Cd></ClrSys></SttlmInf></GrpHdr>
<CdtTrfTxInf><PmtId><EndToEndId>E2E-1</EndToEndId>
<UETR>eb6305c9-1f7f-49de-aed0-16487c27b42d</UETR></PmtId>
<IntrBkSttlmAmt Ccy="EUR">100.25</IntrBkSttlmAmt><IntrBkSttlmDt>2024-05-01</IntrBkSttlmDt>
<ChrgBr>SHAR</ChrgBr><Dbtr><Nm>Alice</Nm></Dbtr>
<DbtrAgt><FinInstnId><BICFI>ABCDDEFFXXX</BICFI></FinInstnId></DbtrAgt>
<CdtrAgt><FinInstnId><BICFI>WXYZFRPP</BICFI></FinInstnId></CdtrAgt>
<Cdtr><Nm>Bob</Nm></Cdtr></CdtTrfTxInf></FIToFICstmrCdtTrf></Document>"""

APPHDR_XML = f"""<AppHdr xmlns="{HEAD002}">
<Fr><FIId><FinInstnId><BICFI>ABCDDEFFXXX</BICFI></FinInstnId></FIId></Fr>
<To><FIId><FinInstnId><BICFI>WXYZFRPP</BICFI></FinInstnId></FIId></To>
<BizMsgIdr>MSG-1</BizMsgIdr><MsgDefIdr>pacs.008.001.08</MsgDefIdr>
<CreDt>2024-05-01T10:00:00Z</CreDt></AppHdr>"""

SCHEME_XSD = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns="{SCHEME}"
 targetNamespace="{SCHEME}" elementFormDefault="qualified">
 <xs:include schemaLocation="scheme-types.xsd"/>
 <xs:element name="Document" type="Document"/>
 <xs:complexType name="Document"><xs:sequence>
  <xs:element name="Ref" type="Ref16"/></xs:sequence></xs:complexType>
</xs:schema>"""

SCHEME_TYPES_XSD = f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
 targetNamespace="{SCHEME}" elementFormDefault="qualified">
 <xs:simpleType name="Ref16"><xs:restriction base="xs:string">
  <xs:maxLength value="16"/></xs:restriction></xs:simpleType>
</xs:schema>"""


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> SchemaRegistry:
    return SchemaRegistry.default(cache_dir=tmp_path_factory.mktemp("xsd-cache"))


def _pacs008() -> etree._Element:
    return etree.fromstring(PACS008_XML.encode())


def _find(root: etree._Element, path: str) -> etree._Element:
    found = root.find("." + "".join(f"/{{{PACS008}}}{step}" for step in path.split("/")))
    assert found is not None, path
    return found


def _one(issues: list[SchemaIssue]) -> SchemaIssue:
    assert len(issues) == 1, issues
    return issues[0]


# --- valid messages -------------------------------------------------------------------------


def test_valid_pacs008_has_no_issue(registry: SchemaRegistry) -> None:
    assert registry.validate(_pacs008()) == []


def test_valid_apphdr_has_no_issue(registry: SchemaRegistry) -> None:
    assert registry.validate(etree.fromstring(APPHDR_XML.encode())) == []


def test_nested_document_is_validated_in_place(registry: SchemaRegistry) -> None:
    envelope = etree.fromstring(
        f"<Envelope xmlns='urn:example:wrapper'>{APPHDR_XML}{PACS008_XML}</Envelope>".encode()
    )
    apphdr, document = envelope
    assert registry.validate(apphdr) == []
    assert registry.validate(document) == []


# --- issues name the XPath, the value and the rule -------------------------------------------


def test_too_long_value_names_xpath_value_and_max_length(registry: SchemaRegistry) -> None:
    root = _pacs008()
    _find(root, "FIToFICstmrCdtTrf/GrpHdr/MsgId").text = "M" * 36
    issue = _one(registry.validate(root))
    assert issue.xpath == "/Document/FIToFICstmrCdtTrf/GrpHdr/MsgId"
    assert issue.value == "M" * 36
    assert issue.rule == "maxLength"
    assert "35" in issue.message
    assert PACS008 not in issue.message


def test_amount_with_too_many_decimals(registry: SchemaRegistry) -> None:
    root = _pacs008()
    _find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt").text = "1.123456"
    issue = _one(registry.validate(root))
    assert issue.xpath == "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/IntrBkSttlmAmt"
    assert (issue.value, issue.rule) == ("1.123456", "fractionDigits")


def test_negative_amount_breaks_min_inclusive(registry: SchemaRegistry) -> None:
    root = _pacs008()
    _find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt").text = "-1"
    assert _one(registry.validate(root)).rule == "minInclusive"


def test_bad_currency_attribute_is_named(registry: SchemaRegistry) -> None:
    root = _pacs008()
    _find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt").set("Ccy", "eur")
    issue = _one(registry.validate(root))
    assert issue.xpath == "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/IntrBkSttlmAmt/@Ccy"
    assert (issue.value, issue.rule) == ("eur", "pattern")


def test_missing_currency_is_required(registry: SchemaRegistry) -> None:
    root = _pacs008()
    del _find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmAmt").attrib["Ccy"]
    assert _one(registry.validate(root)).rule == "required"


def test_bad_bic_breaks_pattern(registry: SchemaRegistry) -> None:
    root = _pacs008()
    _find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf/DbtrAgt/FinInstnId/BICFI").text = "abcddeff"
    issue = _one(registry.validate(root))
    assert issue.xpath.endswith("/DbtrAgt/FinInstnId/BICFI")
    assert (issue.value, issue.rule) == ("abcddeff", "pattern")


def test_unknown_code_breaks_enumeration(registry: SchemaRegistry) -> None:
    root = _pacs008()
    _find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf/ChrgBr").text = "BOTH"
    assert (_one(registry.validate(root)).rule, _one(registry.validate(root)).value) == (
        "enumeration",
        "BOTH",
    )


def test_bad_date_breaks_the_type(registry: SchemaRegistry) -> None:
    root = _pacs008()
    _find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf/IntrBkSttlmDt").text = "2024-02-30"
    issue = _one(registry.validate(root))
    assert (issue.value, issue.rule) == ("2024-02-30", "type")


def test_missing_required_element(registry: SchemaRegistry) -> None:
    root = _pacs008()
    header = _find(root, "FIToFICstmrCdtTrf/GrpHdr")
    header.remove(_find(root, "FIToFICstmrCdtTrf/GrpHdr/MsgId"))
    issue = _one(registry.validate(root))
    assert issue.rule in ("required", "order")
    assert issue.xpath.startswith("/Document/FIToFICstmrCdtTrf/GrpHdr")


def test_missing_last_required_child_is_required(registry: SchemaRegistry) -> None:
    root = _pacs008()
    transaction = _find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf")
    transaction.remove(_find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf/Cdtr"))
    issue = _one(registry.validate(root))
    assert issue.rule == "required"
    assert issue.xpath == "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]"


def test_wrong_order(registry: SchemaRegistry) -> None:
    root = _pacs008()
    charge_bearer = _find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf/ChrgBr")
    _find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf/Dbtr").addnext(charge_bearer)
    issue = _one(registry.validate(root))
    assert issue.rule == "order"
    assert issue.xpath == "/Document/FIToFICstmrCdtTrf/CdtTrfTxInf[1]/Dbtr"
    assert "ChrgBr )" in issue.message


def test_both_branches_of_a_choice(registry: SchemaRegistry) -> None:
    root = _pacs008()
    proprietary = etree.SubElement(_find(root, "FIToFICstmrCdtTrf/GrpHdr/SttlmInf/ClrSys"), "x")
    proprietary.tag = f"{{{PACS008}}}Prtry"
    proprietary.text = "OWN"
    issue = _one(registry.validate(root))
    assert issue.rule == "choice"
    assert issue.xpath == "/Document/FIToFICstmrCdtTrf/GrpHdr/SttlmInf/ClrSys/Prtry"


def test_duplicated_single_element_breaks_max_occurs(registry: SchemaRegistry) -> None:
    root = _pacs008()
    message_id = _find(root, "FIToFICstmrCdtTrf/GrpHdr/MsgId")
    message_id.addnext(etree.fromstring(etree.tostring(message_id)))
    issue = _one(registry.validate(root))
    assert issue.rule == "maxOccurs"
    assert issue.xpath == "/Document/FIToFICstmrCdtTrf/GrpHdr/MsgId[2]"


def test_undeclared_element_is_unexpected(registry: SchemaRegistry) -> None:
    root = _pacs008()
    etree.SubElement(_find(root, "FIToFICstmrCdtTrf/GrpHdr"), f"{{{PACS008}}}Foo")
    issue = _one(registry.validate(root))
    assert issue.rule == "unexpected"
    assert "Expected is one of" in issue.message


def test_unknown_namespace_is_one_namespace_issue(registry: SchemaRegistry) -> None:
    root = etree.fromstring(b"<Document xmlns='urn:example:unknown'/>")
    issue = _one(registry.validate(root))
    assert (issue.rule, issue.value, issue.xpath) == (
        "namespace",
        "urn:example:unknown",
        "/Document",
    )


def test_no_namespace_is_a_namespace_issue(registry: SchemaRegistry) -> None:
    issue = _one(registry.validate(etree.fromstring(b"<Document/>")))
    assert (issue.rule, issue.value) == ("namespace", None)


def test_inner_element_is_not_a_validation_root(registry: SchemaRegistry) -> None:
    header = _find(_pacs008(), "FIToFICstmrCdtTrf/GrpHdr")
    assert _one(registry.validate(header)).rule == "root"


def test_xsi_type_is_reported_as_its_own_rule(registry: SchemaRegistry) -> None:
    root = _pacs008()
    message_id = _find(root, "FIToFICstmrCdtTrf/GrpHdr/MsgId")
    message_id.set("{http://www.w3.org/2001/XMLSchema-instance}type", "Max35Text")
    issue = _one(registry.validate(root))
    assert issue.rule == "xsiType"
    assert issue.xpath.endswith("/MsgId/@type")


def test_issues_are_capped(registry: SchemaRegistry) -> None:
    root = _pacs008()
    transaction = _find(root, "FIToFICstmrCdtTrf/CdtTrfTxInf")
    remittance = etree.SubElement(transaction, f"{{{PACS008}}}RmtInf")
    for _ in range(ISSUES_MAX + 20):
        etree.SubElement(remittance, f"{{{PACS008}}}Ustrd").text = "U" * 141
    issues = registry.validate(root)
    assert len(issues) == ISSUES_MAX
    assert issues[1].xpath.endswith("/RmtInf/Ustrd[2]")


def test_schema_issue_is_a_frozen_record() -> None:
    issue = SchemaIssue("/Document", None, "namespace", "no schema")
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.rule = "other"  # type: ignore[misc]


# --- registry: namespaces, laziness, cache, threads -------------------------------------------


def test_namespaces_cover_the_corridor_messages(registry: SchemaRegistry) -> None:
    namespaces = registry.namespaces()
    assert namespaces == sorted(namespaces)
    for message_id in ("pacs.008.001.08", "pacs.002.001.10", "camt.053.001.02", "admi.002.001.01"):
        assert registry.knows(_models.namespace_of(message_id))
    assert registry.knows(HEAD002)
    assert not registry.knows("urn:example:unknown")


def test_default_does_no_work_until_first_use(tmp_path: Path) -> None:
    registry = SchemaRegistry.default(cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert registry.validate(_pacs008()) == []
    (cached,) = tmp_path.glob("*/pacs.008.001.08.xsd")
    assert cached.parent.name == _cache.model_versions()


def test_cached_xsd_is_reused_without_the_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert SchemaRegistry.default(cache_dir=tmp_path).validate(_pacs008()) == []

    def no_models(message_id: str) -> None:
        raise AssertionError(f"models loaded for {message_id}")

    monkeypatch.setattr(_models, "build_spec", no_models)
    assert SchemaRegistry.default(cache_dir=tmp_path).validate(_pacs008()) == []


def test_damaged_cache_is_regenerated(tmp_path: Path) -> None:
    path = _cache.cached_path(tmp_path, _cache.model_versions(), "pacs.008.001.08")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"<xs:schema truncated")
    assert SchemaRegistry.default(cache_dir=tmp_path).validate(_pacs008()) == []
    assert b"urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08" in path.read_bytes()


def test_unwritable_cache_still_validates(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("file")
    assert SchemaRegistry.default(cache_dir=blocker).validate(_pacs008()) == []


def test_cache_dir_comes_from_the_environment_at_call_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(tmp_path))
    assert _cache.default_cache_dir() == tmp_path / "xsd"
    SchemaRegistry.default().validate(etree.fromstring(APPHDR_XML.encode()))
    assert list((tmp_path / "xsd").glob("*/head.001.001.02.xsd"))
    monkeypatch.delenv("CORRIDOR_CACHE_DIR")
    assert _cache.default_cache_dir() == Path.home() / ".cache" / "corridor" / "xsd"


def test_cache_key_names_both_model_versions() -> None:
    key = _cache.model_versions()
    assert key.startswith("pyiso20022-")
    assert "_xsdata-" in key
    assert key.endswith(f"_w{_cache.WRITER_VERSION}")


def test_validation_from_many_threads(registry: SchemaRegistry) -> None:
    bad = _pacs008()
    _find(bad, "FIToFICstmrCdtTrf/GrpHdr/MsgId").text = "M" * 40
    results: list[tuple[int, int]] = []

    def work() -> None:
        for _ in range(200):
            results.append((len(registry.validate(_pacs008())), len(registry.validate(bad))))

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 1200
    assert set(results) == {(0, 1)}


# --- the plan built from the models ---------------------------------------------------------


def test_plan_has_the_message_namespace_and_root() -> None:
    spec = _models.build_spec("pacs.008.001.08")
    assert spec.namespace == PACS008
    assert (spec.root_element, spec.root_type) == ("Document", "Document")
    header = _models.build_spec("head.001.001.02")
    assert (header.root_element, header.root_type) == ("AppHdr", "BusinessApplicationHeaderV02")


def test_plan_restores_what_the_models_lose() -> None:
    old = {t.name: t for t in _models.build_spec("camt.053.001.02").complex_types}
    assert old["CashAccountType2"].kind == "choice"
    assert old["CashBalanceAvailabilityDate1"].kind == "choice"
    mandate = {t.name: t for t in _models.build_spec("camt.056.001.09").complex_types}
    assert {p.occurs_min for p in mandate["MandateRelatedData1Choice"].particles} == {0}
    header = {t.name: t for t in _models.build_spec("head.001.001.01").complex_types}
    (created,) = [p for p in header["BusinessApplicationHeaderV01"].particles if p.name == "CreDt"]
    assert created.simple_type is not None
    assert created.simple_type.base == "xs:dateTime"


def test_plan_keeps_wildcards_lax_and_mandatory() -> None:
    types = {t.name: t for t in _models.build_spec("pacs.008.001.08").complex_types}
    (wildcard,) = types["SupplementaryDataEnvelope1"].particles
    assert (wildcard.wildcard_namespace, wildcard.process_contents) == ("##any", "lax")
    assert (wildcard.occurs_min, wildcard.occurs_max) == (1, 1)


def test_not_a_message_id_is_a_build_error() -> None:
    with pytest.raises(SchemaBuildError):
        _models.load_model_module("pacs.008")
    assert issubclass(SchemaBuildError, CorridorError)
    assert _models.message_id_of(PACS008) == "pacs.008.001.08"
    assert _models.message_id_of("urn:example") is None


# --- operator-supplied XSD directories --------------------------------------------------------


def _scheme_dir(tmp_path: Path) -> Path:
    (tmp_path / "scheme.xsd").write_text(SCHEME_XSD)
    (tmp_path / "scheme-types.xsd").write_text(SCHEME_TYPES_XSD)
    return tmp_path


def test_operator_directory_validates_its_namespace(tmp_path: Path) -> None:
    registry = SchemaRegistry.from_directory(_scheme_dir(tmp_path))
    assert registry.namespaces() == [SCHEME]
    good = etree.fromstring(f"<Document xmlns='{SCHEME}'><Ref>R-1</Ref></Document>".encode())
    assert registry.validate(good) == []
    bad = etree.fromstring(f"<Document xmlns='{SCHEME}'><Ref>{'R' * 17}</Ref></Document>".encode())
    issue = _one(registry.validate(bad))
    assert (issue.xpath, issue.value, issue.rule) == ("/Document/Ref", "R" * 17, "maxLength")
    assert _one(registry.validate(_pacs008())).rule == "namespace"


def test_operator_usage_guideline_tightens_an_iso_message(
    tmp_path: Path, registry: SchemaRegistry
) -> None:
    guideline = etree.fromstring(etree.tostring(registry.xsd(PACS008)))
    xs = "{http://www.w3.org/2001/XMLSchema}"
    header = guideline.find(f"{xs}complexType[@name='GroupHeader93']")
    assert header is not None
    (max_length,) = header.findall(f".//{xs}element[@name='MsgId']//{xs}maxLength")
    max_length.set("value", "16")
    (tmp_path / "pacs.008.001.08.xsd").write_bytes(etree.tostring(guideline))
    scheme = SchemaRegistry.from_directory(tmp_path)
    assert scheme.validate(_pacs008()) == []
    root = _pacs008()
    _find(root, "FIToFICstmrCdtTrf/GrpHdr/MsgId").text = "M" * 20
    assert _one(scheme.validate(root)).rule == "maxLength"
    assert registry.validate(root) == []


def test_operator_directory_errors_name_the_field_and_value(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    with pytest.raises(SchemaSourceError) as raised:
        SchemaRegistry.from_directory(missing)
    assert (raised.value.field, raised.value.value) == ("xsd_dir", str(missing))
    assert isinstance(raised.value, InputError)
    with pytest.raises(SchemaSourceError, match=r"no \*\.xsd file"):
        SchemaRegistry.from_directory(tmp_path)


def test_operator_directory_rejects_two_entry_points_for_one_namespace(tmp_path: Path) -> None:
    (tmp_path / "a.xsd").write_text(SCHEME_TYPES_XSD)
    (tmp_path / "b.xsd").write_text(SCHEME_TYPES_XSD)
    with pytest.raises(SchemaSourceError) as raised:
        SchemaRegistry.from_directory(tmp_path)
    assert (raised.value.field, raised.value.value) == ("namespace", SCHEME)


def test_operator_xsd_without_namespace_or_broken(tmp_path: Path) -> None:
    (tmp_path / "plain.xsd").write_text('<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>')
    with pytest.raises(SchemaSourceError, match="targetNamespace"):
        SchemaRegistry.from_directory(tmp_path)
    (tmp_path / "plain.xsd").write_text("<xs:schema")
    with pytest.raises(SchemaSourceError) as raised:
        SchemaRegistry.from_directory(tmp_path)
    assert raised.value.field == "xsd_file"


def test_operator_xsd_is_never_fetched_from_the_network(tmp_path: Path) -> None:
    remote = SCHEME_XSD.replace("scheme-types.xsd", "http://127.0.0.1:9/scheme-types.xsd")
    (tmp_path / "scheme.xsd").write_text(remote)
    registry = SchemaRegistry.from_directory(tmp_path)
    with pytest.raises(SchemaSourceError, match="does not compile"):
        registry.schema(SCHEME)


# --- the command-line helper --------------------------------------------------------------


def test_bench_reports_figures() -> None:
    figures = schema_main.bench(50)
    assert figures["messages"] == 50
    assert 0 < figures["validate_us_per_message"] < 1_000_000
    assert figures["validate_messages_per_s"] > 0
    with pytest.raises(ValueError, match="count"):
        schema_main.bench(0)


def test_warm_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert schema_main.main(["warm", "pacs.002.001.10", "--cache-dir", str(tmp_path)]) == 0
    assert "1 schemas ready, 0 failed" in capsys.readouterr().out
    assert list(tmp_path.glob("*/pacs.002.001.10.xsd"))
    assert schema_main.main(["export", "pacs.002.001.10", "--cache-dir", str(tmp_path)]) == 0
    exported = capsys.readouterr().out
    assert 'targetNamespace="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"' in exported


def test_bench_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert schema_main.main(["bench", "--count", "20", "--json"]) == 0
    assert '"validate_us_per_message"' in capsys.readouterr().out
