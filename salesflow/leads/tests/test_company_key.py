from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesflow.core.normalize import LEGAL_SUFFIXES, company_key

SUFFIXES = [" ".join(suffix) for suffix in LEGAL_SUFFIXES] + ["GmbH", "S.A.", "Inc.", "L.L.C."]
names = st.text(max_size=40)
ascii_names = st.text(
    alphabet=st.characters(codec="ascii", categories=["L", "N", "P", "Zs"]), max_size=40
)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("ACME, Inc.", "acme"),
        ("Acme Ltd.", "acme"),
        ("The Acme Corporation", "acme"),
        ("acme llc", "acme"),
        ("Müller & Söhne GmbH & Co. KG", "muller sohne"),
        ("Société Générale S.A.", "societe generale"),
        ("Volvo AB (publ)", "volvo"),
        ("Nokia Oyj", "nokia"),
        ("Kone Oy", "kone"),
        ("Philips BV", "philips"),
        ("Carrefour SARL", "carrefour"),
        ("Siemens AG", "siemens"),
        ("O'Reilly Media, Inc.", "oreilly media"),
        ("AG", "ag"),
        ("", ""),
    ],
)
def test_company_names_reduce_to_their_comparable_core(raw, key):
    assert company_key(raw) == key


@given(names)
def test_the_key_of_a_key_is_itself(raw):
    key = company_key(raw)
    assert company_key(key) == key


@given(names)
def test_a_key_is_lower_case_words_separated_by_single_spaces(raw):
    key = company_key(raw)
    assert key == " ".join(key.split())
    assert all(ch.isalnum() or ch == " " for ch in key)
    assert key == key.casefold()


@given(ascii_names)
def test_case_and_surrounding_punctuation_do_not_change_the_key(raw):
    assert company_key(raw.upper()) == company_key(raw.lower())
    assert company_key(f" ,{raw}. ") == company_key(raw)


@given(ascii_names, st.sampled_from(SUFFIXES))
def test_a_legal_form_after_a_name_does_not_change_its_key(raw, suffix):
    if company_key(raw):
        assert company_key(f"{raw} {suffix}") == company_key(raw)
