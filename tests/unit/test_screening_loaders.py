"""Loaders on the project's own small fixtures: every format, and malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.screening import (
    ListFormatError,
    load_eu_xml,
    load_ofac_csv,
    load_ofac_xml,
    load_simple_csv,
    load_un_xml,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screening"


def _read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _ofac(**override: bytes | None) -> dict[str, bytes | None]:
    files: dict[str, bytes | None] = {
        "sdn": _read("ofac_csv/sdn.csv"),
        "add": _read("ofac_csv/add.csv"),
        "alt": _read("ofac_csv/alt.csv"),
        "comments": _read("ofac_csv/sdn_comments.csv"),
    }
    return files | override


def test_un_xml_reads_names_aliases_script_dates_documents() -> None:
    watch_list = load_un_xml(_read("un_small.xml"))
    assert watch_list.list_name == "un"
    assert watch_list.published == "2026-01-02T00:00:00.000Z"
    assert len(watch_list.version) == 64
    ivan, mohammed, company = watch_list.entries
    assert ivan.entry_id == "un:TLi.001"
    assert [n.text for n in ivan.names] == [
        "IVAN PETROVICH KOLOKOLTSEV",
        "Ivan Kolokoltsov",
        "Vanya",
        "Иван Петрович Колокольцев",
    ]
    assert [n.kind for n in ivan.names] == ["primary", "aka", "weak", "original_script"]
    assert ivan.countries == ("RU",)
    assert ivan.dates_of_birth == ("1970-03-04",)
    assert ivan.identifiers[0].value == "551234567"
    assert mohammed.dates_of_birth == ("1965", "1966..1968")
    assert company.entity_type == "entity"
    assert company.countries == ("UA",)


def test_un_xml_version_changes_with_content() -> None:
    data = _read("un_small.xml")
    changed = data.replace(b"KOLOKOLTSEV", b"KOLOKOLTSOV")
    assert load_un_xml(data).version != load_un_xml(changed).version


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b"<CONSOLIDATED_LIST><INDIVIDUALS>", "line 1"),
        (b"<OTHER/>", "<OTHER>"),
        (
            b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>A</FIRST_NAME>"
            b"</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
            "<INDIVIDUAL>",
        ),
    ],
)
def test_un_xml_malformed_names_the_place(data: bytes, where: str) -> None:
    with pytest.raises(ListFormatError) as caught:
        load_un_xml(data)
    assert where in str(caught.value)


def test_un_xml_ignores_entities_and_dtd() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>&e;</FIRST_NAME>"
        b"<REFERENCE_NUMBER>X.1</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS>"
        b"</CONSOLIDATED_LIST>"
    )
    with pytest.raises(ListFormatError):
        load_un_xml(evil)


def test_ofac_csv_joins_files_and_reads_remarks() -> None:
    watch_list = load_ofac_csv(**_ofac(), list_name="ofac_sdn")  # type: ignore[arg-type]
    person, company, vessel = watch_list.entries
    assert person.entry_id == "ofac_sdn:101"
    assert person.entity_type == "person"
    assert [n.kind for n in person.names] == ["primary", "aka", "weak"]
    assert person.names[2].text == "THE TAILOR"
    assert person.dates_of_birth == ("1971-01-12",)
    assert person.countries == ("UZ",)
    assert company.identifiers[0].kind == "BIC"
    assert company.identifiers[0].value == "NLMTIRTH"
    assert company.programs == ("IRAN", "SDGT")
    assert company.names[1].kind == "fka"
    assert company.remarks.endswith("Linked To: SEA BREEZE.")
    assert vessel.entity_type == "vessel"
    assert vessel.identifiers[0].value == "9123456"


def test_ofac_csv_version_covers_every_file() -> None:
    base = load_ofac_csv(**_ofac(), list_name="x")  # type: ignore[arg-type]
    without_alt = load_ofac_csv(**_ofac(alt=None), list_name="x")  # type: ignore[arg-type]
    assert base.version != without_alt.version


@pytest.mark.parametrize(
    ("part", "data", "where"),
    [
        ("sdn", b'101,"A","individual"\r\n', "sdn.csv: line 1"),
        ("sdn", b'x,"A",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n', "sdn.csv: line 1"),
        ("alt", b'999,1,"aka","GHOST",-0- \r\n', "alt.csv: line 1"),
        ("add", b'101,1,"x","y"\r\n', "add.csv: line 1"),
    ],
)
def test_ofac_csv_malformed_names_file_and_line(part: str, data: bytes, where: str) -> None:
    with pytest.raises(ListFormatError) as caught:
        load_ofac_csv(**_ofac(**{part: data}), list_name="x")  # type: ignore[arg-type]
    assert where in str(caught.value)


def test_ofac_xml_reads_weak_akas_and_ids() -> None:
    watch_list = load_ofac_xml(_read("ofac_sample.xml"))
    person, company = watch_list.entries
    assert watch_list.published == "01/02/2026"
    assert person.names[0].text == "OKONKWO, Chidi Emeka"
    assert [n.kind for n in person.names] == ["primary", "aka", "weak"]
    assert person.dates_of_birth == ("1968-06-05",)
    assert person.countries == ("NG",)
    assert company.identifiers[0].kind == "BIC"
    assert company.entity_type == "entity"


def test_ofac_xml_entry_without_uid_is_rejected_with_line() -> None:
    data = _read("ofac_sample.xml").replace(b"<uid>502</uid>", b"")
    with pytest.raises(ListFormatError) as caught:
        load_ofac_xml(data)
    assert "<sdnEntry>" in str(caught.value)


def test_eu_xml_reads_aliases_scripts_and_facts() -> None:
    watch_list = load_eu_xml(_read("eu_sample.xml"))
    person, company = watch_list.entries
    assert person.entry_id == "eu:9001"
    assert person.entity_type == "person"
    assert [n.kind for n in person.names] == ["primary", "aka", "weak"]
    assert person.dates_of_birth == ("1975-09-14",)
    assert person.identifiers[0].value == "FX123456"
    assert company.entity_type == "entity"
    assert company.countries == ("BY",)
    assert company.programs == ("BLR",)


def test_eu_xml_entity_without_name_is_rejected() -> None:
    data = _read("eu_sample.xml").replace(b'wholeName="Belaqua Fertiliser Holding OAO"', b"")
    data = data.replace(b'wholeName="\xd0\x91', b'x="')
    with pytest.raises(ListFormatError) as caught:
        load_eu_xml(data)
    assert "sanctionEntity" in str(caught.value)


def test_simple_csv_reads_and_rejects_bad_rows() -> None:
    watch_list = load_simple_csv(_read("simple.csv"), list_name="national")
    exchange, person = watch_list.entries
    assert exchange.entry_id == "national:N-1"
    assert [i.kind for i in exchange.identifiers] == ["BIC", "LEI"]
    assert len(exchange.names) == 3
    assert person.dates_of_birth == ("1959-11-30",)
    bad = _read("simple.csv") + b"N-3,Someone,robot,,,,\n"
    with pytest.raises(ListFormatError) as caught:
        load_simple_csv(bad, list_name="national")
    assert "line 4" in str(caught.value)
    with pytest.raises(ListFormatError):
        load_simple_csv(b"name\nX\n", list_name="national")
