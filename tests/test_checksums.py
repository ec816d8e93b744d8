"""The checksums of `text` rules, checked differentially against python-stdnum (a test-only dependency)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kili_rules.rule_types import _checksums
from kili_rules.rule_types._checksums import IBAN_LENGTHS, problem

stdnum = pytest.importorskip("stdnum")
from stdnum import ean, iban, isbn, isin, luhn  # noqa: E402
from stdnum.fr import siren, siret, tva  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None)
DIGITS = string.digits
ALNUM = string.ascii_uppercase + string.digits


def _registry() -> dict[str, str]:
    """The IBAN registry as python-stdnum ships it: country -> BBAN structure (``4!n4!n12!c``)."""
    text = (Path(iban.__file__).parent / "iban.dat").read_text()
    return dict(re.findall(r'^([A-Z]{2}) .*?bban="([^"]+)"', text, re.MULTILINE))


REGISTRY = _registry()


def _structure_length(structure: str) -> int:
    return sum(int(n) for n in re.findall(r"(\d+)!", structure))


def test_the_iban_lengths_are_the_registrys():
    assert {country: 4 + _structure_length(bban) for country, bban in REGISTRY.items()} == IBAN_LENGTHS


def test_the_module_examples_hold():
    import doctest

    assert doctest.testmod(_checksums).failed == 0


def _mutated(draw, value: str) -> str:
    """``value``, or with one character replaced by another of its kind, or two neighbours swapped."""
    kind = draw(st.sampled_from(["same", "replace", "swap"]))
    if kind == "same" or len(value) < 2:
        return value
    at = draw(st.integers(0, len(value) - 2))
    if kind == "swap":
        return value[:at] + value[at + 1] + value[at] + value[at + 2 :]
    alphabet = DIGITS if value[at].isdigit() else string.ascii_uppercase
    return value[:at] + draw(st.sampled_from(alphabet)) + value[at + 1 :]


def _spaced(draw, value: str) -> str:
    """``value`` as a labeler may write it: in groups of four, maybe in lower case."""
    if draw(st.booleans()):
        value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return value.lower() if draw(st.booleans()) else value


@st.composite
def ibans(draw):
    country = draw(st.sampled_from(sorted(REGISTRY)))
    bban = ""
    for count, kind in re.findall(r"(\d+)!([nac])", REGISTRY[country]):
        alphabet = {"n": DIGITS, "a": string.ascii_uppercase, "c": ALNUM}[kind]
        bban += "".join(draw(st.lists(st.sampled_from(alphabet), min_size=int(count), max_size=int(count))))
    number = country + "00" + bban
    number = country + iban.calc_check_digits(number) + bban
    return _spaced(draw, _mutated(draw, number))


@SETTINGS
@given(ibans())
def test_iban_agrees_with_stdnum(number):
    # stdnum's country modules add national checks (a French RIB key...); the IBAN standard is what both check
    assert (problem("iban", number) is None) == iban.is_valid(number, check_country=False), number


@st.composite
def luhn_numbers(draw):
    digits = draw(st.text(DIGITS, min_size=1, max_size=20))
    if draw(st.booleans()):
        digits += luhn.calc_check_digit(digits)
    return _spaced(draw, _mutated(draw, digits))


@SETTINGS
@given(luhn_numbers())
def test_luhn_agrees_with_stdnum(number):
    assert (problem("luhn", number) is None) == luhn.is_valid(number.replace(" ", "")), number


ISIN_COUNTRIES = ["US", "FR", "DE", "GB", "XS", "NL", "JP", "CH"]


@st.composite
def isins(draw):
    body = draw(st.sampled_from(ISIN_COUNTRIES)) + draw(st.text(ALNUM, min_size=9, max_size=9))
    return _mutated(draw, body + isin.calc_check_digit(body))


@SETTINGS
@given(isins())
def test_isin_agrees_with_stdnum(number):
    assume(number[:2] in ISIN_COUNTRIES)  # stdnum also knows which country codes exist; the check digit is the same
    assert (problem("isin", number) is None) == isin.is_valid(number), number


@st.composite
def eans(draw):
    digits = draw(st.text(DIGITS, min_size=7, max_size=14))
    if draw(st.booleans()):
        digits += ean.calc_check_digit(digits)
    return _mutated(draw, digits)


@SETTINGS
@given(eans())
def test_ean_agrees_with_stdnum(number):
    assert (problem("ean", number) is None) == ean.is_valid(number), number


@st.composite
def isbns(draw):
    if draw(st.booleans()):
        body = draw(st.text(DIGITS, min_size=9, max_size=9))
        number = body + (isbn._calc_isbn10_check_digit(body) if draw(st.booleans()) else draw(st.sampled_from("0X")))
    else:
        body = draw(st.sampled_from(["978", "979", "977"])) + draw(st.text(DIGITS, min_size=9, max_size=9))
        number = body + ean.calc_check_digit(body)
    return _mutated(draw, number)


@SETTINGS
@given(isbns())
def test_isbn_agrees_with_stdnum(number):
    assert (problem("isbn", number) is None) == isbn.is_valid(number), number


@st.composite
def sirets(draw):
    head = draw(st.sampled_from(["", "356000000"]))
    digits = head + draw(st.text(DIGITS, min_size=13 - len(head), max_size=13 - len(head)))
    if draw(st.booleans()):
        digits += luhn.calc_check_digit(digits)
    else:
        digits += draw(st.sampled_from(DIGITS))
    return _mutated(draw, digits)


@SETTINGS
@given(sirets())
def test_siren_and_siret_agree_with_stdnum(number):
    assert (problem("siret", number) is None) == siret.is_valid(number), number
    assert (problem("siren", number[:9]) is None) == siren.is_valid(number[:9]), number[:9]


@st.composite
def french_vat_numbers(draw):
    body = draw(st.sampled_from(["", "000"])) + draw(st.text(DIGITS, min_size=8, max_size=8))
    body = (body + luhn.calc_check_digit(body))[-9:] if len(body) == 8 else body[:9]
    key = f"{(12 + 3 * (int(body) % 97)) % 97:02d}"
    return "FR" + _mutated(draw, key + body)


@SETTINGS
@given(french_vat_numbers())
def test_french_vat_numbers_with_a_numeric_key_agree_with_stdnum(number):
    assert (problem("vat_fr", number) is None) == tva.is_valid(number), number


@pytest.mark.parametrize(
    ("checksum", "value"),
    [
        ("iban", "FR76 3000 6000 0112 3456 7890 189"),
        ("iban", "DE89 3704 0044 0532 0130 00"),
        ("iban", "GB82 WEST 1234 5698 7654 32"),
        ("luhn", "4111 1111 1111 1111"),
        ("isin", "US0378331005"),
        ("ean", "4006381333931"),
        ("isbn", "978-0-306-40615-7"),
        ("isbn", "0-306-40615-2"),
        ("siren", "732 829 320"),
        ("siret", "732 829 320 00074"),
        ("vat_fr", "FR40 303 265 045"),
    ],
)
def test_known_valid_identifiers(checksum, value):
    assert problem(checksum, value) is None
