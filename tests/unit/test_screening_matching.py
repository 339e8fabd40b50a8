"""Normalisation, matching, explanations, suppressions and payment screening (fixtures)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from corridor.foundation.errors import InputError
from corridor.screening import (
    CountryRule,
    Identifier,
    Party,
    Screener,
    ScreeningSubject,
    Suppression,
    load_eu_xml,
    load_ofac_csv,
    load_simple_csv,
    load_un_xml,
    normalise_name,
    suppression_key,
)
from corridor.screening._readings import han_readings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "screening"


@cache
def _screener() -> Screener:
    read = lambda name: (FIXTURES / name).read_bytes()  # noqa: E731
    lists = [
        load_un_xml(read("un_small.xml")),
        load_ofac_csv(
            read("ofac_csv/sdn.csv"),
            read("ofac_csv/add.csv"),
            read("ofac_csv/alt.csv"),
            read("ofac_csv/sdn_comments.csv"),
            list_name="ofac_sdn",
        ),
        load_eu_xml(read("eu_sample.xml")),
        load_simple_csv(read("simple.csv"), list_name="national"),
    ]
    return Screener(lists)


def _ids(name: str, **facts: str) -> list[str]:
    return [h.entry_id for h in _screener().check(name, **facts)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Mohammed  YOUSSEF", ("muhammad", "yusuf")),
        ("Muhammad Yusuf", ("muhammad", "yusuf")),
        ("OOO Zelenograd Shipping", ("zelenograd", "shipping")),
        ("Zelenograd Shipping Limited Liability Company", ("zelenograd", "shipping")),
        ("Mr. Ivan Kolokoltsev", ("ivan", "kolokoltsev")),
        ("Юрий Иванов", ("yuri", "ivanov")),
        ("O'Brien-Smith", ("obrien", "smith")),
        ("Sergey Sergey Shoigu", ("sergei", "shoigu")),
        ("LLC", ("llc",)),
        ("Hapjanggang ShippingCorp", ("hapjanggang", "shipping")),
        ("Telecorp", ("telecorp",)),
        ("Rust Closed Joont-Stock Company", ("rust",)),
        ("Rust Closed Joint-Stock Company", ("rust",)),
        ("Closed Joint Stock", ("closed", "joint", "stock")),
        ("Grupo Norte, S. de R.L. de C.V.", ("grupo", "norte")),
    ],
)
def test_normalise(text: str, tokens: tuple[str, ...]) -> None:
    assert normalise_name(text).tokens == tokens


def test_abjad_script_is_flagged() -> None:
    assert normalise_name("محمد يوسف").abjad
    assert not normalise_name("Mohammed Youssef").abjad


@pytest.mark.parametrize(
    "query",
    [
        "IVAN PETROVICH KOLOKOLTSEV",
        "Kolokoltsev, Ivan",  # reordered
        "Ivan Kolokoltsev",  # middle name missing
        "I. P. Kolokoltsev",  # initials
        "Ivan Petrovich Kolokoltsv",  # typo
        "Иван Петрович Колокольцев",  # Cyrillic
    ],
)
def test_person_variants_hit(query: str) -> None:
    assert "un:TLi.001" in _ids(query)


@pytest.mark.parametrize(
    "query",
    [
        "Muhammad Yusuf al Qarnawi",
        "Mohamad Youssef Alqarnawi",
        "محمد يوسف القرناوي",
    ],
)
def test_romanisation_and_arabic_hit(query: str) -> None:
    assert "un:TLi.002" in _ids(query)


@pytest.mark.parametrize(
    "query",
    [
        "Ivan Petrovich Smirnov",
        "Pyotr Kolokoltsev Gromov",
        "Zelenograd Bakery",
        "Vanya Ivanova",
    ],
)
def test_different_parties_do_not_hit(query: str) -> None:
    assert _ids(query) == []


def test_entity_with_other_legal_form_hits() -> None:
    assert "un:TLe.001" in _ids("Zelenograd Shipping Trading Company, Ltd.")
    assert "un:TLe.001" in _ids("OOO Zelenograd Shipping")


def test_hit_explains_each_token_and_qualifier() -> None:
    (hit,) = _screener().check("Ivan Kolokoltsev", country="Russia", dob="1970")
    fields = [item.field for item in hit.explanation]
    assert fields == ["token", "token", "dob", "country"]
    assert hit.explanation[0].query == "ivan"
    assert hit.explanation[0].listed == "ivan"
    assert hit.score >= hit.name_score
    assert hit.list_version == _screener().lists[0].version
    assert "kolokoltsev" in hit.explain()


def test_conflicting_facts_lower_the_score() -> None:
    plain = _screener().check("Ivan Kolokoltsev")[0].score
    conflicting = (
        _screener()
        .with_threshold(0.5)
        .check("Ivan Kolokoltsev", dob="1990", country="FR", entity_type="entity")[0]
        .score
    )
    assert conflicting < plain - 0.2


def test_identifier_hits_without_name() -> None:
    hits = _screener().check("", identifiers=(Identifier("BIC", "nlmt irth"),))
    assert [h.entry_id for h in hits] == ["ofac_sdn:102"]
    assert hits[0].explanation[0].field == "identifier"


def test_threshold_is_the_one_knob() -> None:
    strict = _screener().with_threshold(0.99)
    assert strict.check("Ivan Petrovich Kolokoltsv") == []
    with pytest.raises(InputError):
        Screener([], threshold=1.5)


def test_suppression_needs_two_officers_and_the_same_version() -> None:
    screener = _screener()
    hit = screener.check("Ivan Kolokoltsev")[0]
    base = Suppression(
        hit.list_name,
        hit.list_version,
        hit.entry_id,
        suppression_key("Ivan Kolokoltsev"),
        "alice",
        "bob",
    )
    suppressed = Screener(screener.lists, suppressions=[base])
    assert suppressed.check("Ivan Kolokoltsev") == []
    assert suppressed.check("Kolokoltsev IVAN") == []
    one_officer = Suppression(*[*vars_of(base)[:4], "alice", "alice"])
    assert Screener(screener.lists, suppressions=[one_officer]).check("Ivan Kolokoltsev")
    other_version = Suppression(hit.list_name, "0" * 64, *vars_of(base)[2:])
    assert Screener(screener.lists, suppressions=[other_version]).check("Ivan Kolokoltsev")


def vars_of(item: Suppression) -> list[str]:
    return [
        item.list_name,
        item.list_version,
        item.entry_id,
        item.query_key,
        item.proposed_by,
        item.approved_by,
    ]


def test_free_text_scan_finds_listed_names() -> None:
    hits = _screener().scan_text("Invoice 42 for Zelenograd Shipping Trading Company, paid")
    assert [h.entry_id for h in hits] == ["un:TLe.001"]
    assert _screener().scan_text("Invoice 42 for ordinary shipping services") == []


def test_screen_payment_checks_every_party_text_and_country_rule() -> None:
    subject = ScreeningSubject(
        reference="uetr-1",
        parties=(
            Party("debtor", "Acme Imports", country="DE"),
            Party(
                "creditor",
                "Olena Hrytsenko",
                country="UA",
                entity_type="person",
                address_lines=("Prospekt 1, Sevastopol",),
            ),
            Party(
                "creditor_agent",
                "Harbourside Exchange House",
                identifiers=(Identifier("BIC", "HBSXAEAD"),),
            ),
        ),
        free_text=("re: cargo for NORTHERN LIGHT MARITIME",),
    )
    rule = CountryRule("UA-43", "hold", "Crimea", region_terms=("SEVASTOPOL",))
    result = _screener().screen(subject, rules=[rule])
    fields = {(h.entry_id, h.subject_field) for h in result.hits}
    assert ("eu:9001", "creditor.name") in fields
    assert ("national:N-1", "creditor_agent.name") in fields
    assert ("ofac_sdn:102", "free_text[0]") in fields
    assert [r.role for r in result.rule_hits] == ["creditor"]
    assert result.should_hold
    assert {v.list_name for v in result.lists_used} == {"un", "ofac_sdn", "eu", "national"}


def test_clean_payment_passes() -> None:
    subject = ScreeningSubject(
        "uetr-2",
        (
            Party("debtor", "Acme Imports", country="DE"),
            Party("creditor", "Blue River Foods", country="FR"),
        ),
        ("invoice 7",),
    )
    result = _screener().screen(subject)
    assert result.hits == ()
    assert not result.should_hold


def test_han_syllables_match_exactly_not_fuzzily() -> None:
    data = b'id,name,entity_type\nC-1,"CHEN, Zhu",person\nC-2,Xi Jinping,person\n'
    screener = Screener([load_simple_csv(data, list_name="cn")])
    assert [h.entry_id for h in screener.check("陈 朱")] == ["cn:C-1"]
    assert screener.check("成 朱") == []  # cheng is not chen
    assert [h.entry_id for h in screener.check("习近平")] == ["cn:C-2"]


def test_han_names_are_also_read_in_korean_and_japanese() -> None:
    data = (
        b"id,name,entity_type\nK-1,KIM Jong Un,person\nJ-1,TANAKA Hanako,person\n"
        b"C-1,Xi Jinping,person\n"
    )
    screener = Screener([load_simple_csv(data, list_name="asia")])
    (korean,) = screener.check("金正恩")
    assert korean.entry_id == "asia:K-1"
    assert korean.query == "金正恩"  # the hit names what was asked, the tokens the reading
    tokens = [item.query for item in korean.explanation if item.field == "token"]
    assert tokens == ["kim", "jong", "un"]  # 김정은, canonical spellings
    items = [(i.field, i.query, i.listed) for i in korean.explanation]
    assert ("reading", "金正恩", "김정은") in items
    assert [h.entry_id for h in screener.check("田中花子")] == ["asia:J-1"]
    assert [h.entry_id for h in screener.check("习近平")] == ["asia:C-1"]
    assert screener.score_pair("金正恩", "Kim Jong Un") == 1.0


def test_readings_of_han_text() -> None:
    assert "김정은" in han_readings("金正恩")  # 金 also reads 금: both are tried
    assert "tanaka hanako" in han_readings("田中花子")
    assert han_readings("Kim Jong Un") == ()
    assert han_readings("Дмитрий") == ()


def test_a_word_swapped_for_an_unrelated_one_costs_more_than_a_misspelt_one() -> None:
    listed = "BANCO BICENTENARIO DEL PUEBLO DE LA CLASE OBRERA MUJER Y COMUNAS"
    swapped = listed.replace("BICENTENARIO", "MARKETING")
    misspelt = listed.replace("BICENTENARIO", "BICETNENRAIO")
    screener = _screener()
    assert screener.score_pair(misspelt, listed) >= 0.8
    assert screener.score_pair(swapped, listed) < 0.8


def test_a_weak_alias_counts_a_little_less_and_says_so() -> None:
    data = b"id,name,entity_type,aliases\nP-1,Abdul Ghani BARADAR,person,Abdul-Ghani\n"
    plain = Screener([load_simple_csv(data, list_name="national")]).with_threshold(0.5)
    weak_list = load_simple_csv(data, list_name="national")
    entry = weak_list.entries[0]
    weakened = replace(
        weak_list,
        entries=(replace(entry, names=(entry.names[0], replace(entry.names[1], kind="weak"))),),
    )
    weak = Screener([weakened]).with_threshold(0.5)
    (before,) = plain.check("Abdul Ghani")
    (after,) = weak.check("Abdul Ghani")
    assert after.score == pytest.approx(before.score - 0.05)
    assert ("alias_quality", "weak alias") in [(i.field, i.listed) for i in after.explanation]
