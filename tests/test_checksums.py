"""The checksums of `text` rules, checked differentially against python-stdnum (a test-only dependency)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kili_rules.rule_types import _checksums, _iban_registry
from kili_rules.rule_types._checksums import problem
from kili_rules.rule_types._iban_registry import BBAN_STRUCTURES, IBAN_LENGTHS

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


def test_the_bban_structures_are_the_registrys():
    assert BBAN_STRUCTURES == REGISTRY


def test_the_iban_lengths_are_the_registrys():
    assert {country: 4 + _structure_length(bban) for country, bban in REGISTRY.items()} == IBAN_LENGTHS


@pytest.mark.parametrize("module", [_checksums, _iban_registry])
def test_the_module_examples_hold(module):
    import doctest

    assert doctest.testmod(module).failed == 0


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
    """IBANs of the registry's structure with their check digits, or with one character of the account part of
    another kind (a letter for a digit...) and check digits that hold, then maybe mutated (and so, mostly wrong)."""
    country = draw(st.sampled_from(sorted(REGISTRY)))
    bban = ""
    for count, kind in re.findall(r"(\d+)!([nac])", REGISTRY[country]):
        alphabet = {"n": DIGITS, "a": string.ascii_uppercase, "c": ALNUM}[kind]
        bban += "".join(draw(st.lists(st.sampled_from(alphabet), min_size=int(count), max_size=int(count))))
    if draw(st.integers(0, 3)) == 0:
        at = draw(st.integers(0, len(bban) - 1))
        alphabet = string.ascii_uppercase if bban[at].isdigit() else DIGITS
        bban = bban[:at] + draw(st.sampled_from(alphabet)) + bban[at + 1 :]
    number = country + iban.calc_check_digits(country + "00" + bban) + bban
    return _spaced(draw, _mutated(draw, number))


@SETTINGS
@given(ibans())
def test_iban_agrees_with_stdnum(number):
    # stdnum's country modules add national checks (a French RIB key...); the IBAN standard is what both check.
    # ISO 13616's check digits are two digits: stdnum reads letters there too, as the checksum reads them
    expected = iban.is_valid(number, check_country=False) and iban.compact(number)[2:4].isdigit()
    assert (problem("iban", number) is None) == expected, number


def test_check_digits_are_digits():
    number = "GT5R4AAAAC0D0A06AAA4UAA002DA"  # found by hypothesis: its checksum holds with R read as 27
    assert iban.is_valid(number, check_country=False)
    assert problem("iban", number) == "is not an IBAN (two letters, two check digits, then letters and digits)"


#: Example IBANs of the IBAN registry (SWIFT): valid, each with its country's structure.
REGISTRY_EXAMPLES = [
    "GB29 NWBK 6016 1331 9268 19",
    "FR14 2004 1010 0505 0001 3M02 606",
    "DE89 3704 0044 0532 0130 00",
    "NL91 ABNA 0417 1643 00",
    "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
    "IT60 X054 2811 1010 0000 0123 456",
    "BE68 5390 0754 7034",
    "ES91 2100 0418 4502 0005 1332",
    "CH93 0076 2011 6238 5295 7",
    "BR18 0036 0305 0000 1000 9795 493C 1",
    "MU17 BOMM 0101 1010 3030 0200 000M UR",
    "SC18 SSCB 1101 0000 0000 0000 1497 USD",
    "NO93 8601 1117 947",
    "PL61 1090 1014 0000 0712 1981 2874",
    "SA03 8000 0000 6080 1016 7519",
    "AD12 0001 2030 2003 5910 0100",
]


@pytest.mark.parametrize("number", REGISTRY_EXAMPLES)
def test_the_registry_examples_are_valid_ibans(number):
    assert problem("iban", number) is None
    assert problem("iban", number.replace(" ", "").lower()) is None


def _with_check_digits(country: str, bban: str) -> str:
    return country + iban.calc_check_digits(country + "00" + bban) + bban


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        # the bank code of a GB IBAN is 4 letters: a K read as 1
        (_with_check_digits("GB", "NWB160161331926819"), "4 letters, 6 digits, 8 digits"),
        # what hypothesis found: its check digits hold (an X reads as 33, as does 3 then 3)
        ("GB31AAA3X0000000000000", "4 letters, 6 digits, 8 digits"),
        (_with_check_digits("NL", "ABNA04171643O0"), "4 letters, 10 digits"),  # an O for a zero
        (_with_check_digits("DE", "37040044053201300O"), "8 digits, 10 digits"),
        (_with_check_digits("MT", "MALT0110O0012345MTLCAST001S"), "4 letters, 5 digits, 18 letters or digits"),
        (_with_check_digits("FR", "20041010050500013M026O6"), "5 digits, 5 digits, 11 letters or digits, 2 digits"),
        (
            _with_check_digits("BR", "0036030500001000979549301"),  # a digit where the account type is a letter
            "8 digits, 5 digits, 10 digits, 1 letter, 1 letter or digit",
        ),
    ],
)
def test_an_account_part_without_its_countrys_structure_is_not_a_valid_iban(number, expected):
    country = number[:2]
    assert problem("iban", number) == f"is not a valid IBAN: the account part of a {country} IBAN is {expected}"
    assert not iban.is_valid(number, check_country=False)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("GB29 NWBK 6016 1331 9268 1", "is not a valid IBAN: 22 characters in GB, not 21"),
        ("GB28 NWBK 6016 1331 9268 19", "is not a valid IBAN: wrong check digits"),
        ("ZZ29 NWBK 6016 1331 9268 19", "is not a valid IBAN: ZZ is not a country of the IBAN registry"),
        ("G29 NWBK 6016 1331 9268 19", "is not an IBAN (two letters, two check digits, then letters and digits)"),
    ],
)
def test_the_other_iban_problems_keep_their_messages(number, expected):
    assert problem("iban", number) == expected


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
