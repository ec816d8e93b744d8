"""Check digits of the identifiers documents carry: IBAN, Luhn (payment cards), ISIN, EAN / GTIN, ISBN, SIREN,
SIRET and French VAT numbers. What the ``checksum`` option of ``text`` rules checks.

An IBAN is checked against the IBAN registry (:mod:`kili_rules.rule_types._iban_registry`): its country, its
length there and the structure of its account part, then its check digits.

Each check takes the value as a labeler typed it: spaces, hyphens and dots are ignored and letters are read in
upper case (``FR76 3000 6000 0112 3456 7890 189`` is an IBAN). It says what is wrong in words, or None when the
value is valid::

    >>> problem("iban", "FR76 3000 6000 0112 3456 7890 189") is None
    True
    >>> problem("iban", "FR77 3000 6000 0112 3456 7890 189")
    'is not a valid IBAN: wrong check digits'
    >>> problem("iban", "GB82 WE5T 1234 5698 7654 32")
    'is not a valid IBAN: the account part of a GB IBAN is 4 letters, 6 digits, 8 digits'
    >>> problem("luhn", "4111 1111 1111 1112")
    'is not a valid Luhn number: wrong check digit'

Stdlib-only (embedded with the ``text`` rule type); the tests check each one against python-stdnum.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kili_rules.rule_types._iban_registry import IBAN_LENGTHS, bban_problem

_SEPARATORS = re.compile(r"[\s.\-]")


def compact(value: str) -> str:
    """The value without spaces, hyphens and dots, in upper case."""
    return _SEPARATORS.sub("", value).upper()


def _letters_as_digits(value: str) -> str:
    """``A`` -> ``10`` ... ``Z`` -> ``35``, digits kept (ISO 7064 and ISIN)."""
    return "".join(str(int(char, 36)) for char in value)


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _iban(value: str) -> str | None:
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]+", value):
        return "is not an IBAN (two letters, two check digits, then letters and digits)"
    length = IBAN_LENGTHS.get(value[:2])
    if length is None:
        return f"is not a valid IBAN: {value[:2]} is not a country of the IBAN registry"
    if len(value) != length:
        return f"is not a valid IBAN: {length} characters in {value[:2]}, not {len(value)}"
    wrong_structure = bban_problem(value[:2], value[4:])
    if wrong_structure is not None:
        return f"is not a valid IBAN: {wrong_structure}"
    if int(_letters_as_digits(value[4:] + value[:4])) % 97 != 1:
        return "is not a valid IBAN: wrong check digits"
    return None


def _luhn(value: str) -> str | None:
    if not value.isdigit() or not value.isascii():
        return "is not a Luhn number (digits only)"
    return None if luhn_valid(value) else "is not a valid Luhn number: wrong check digit"


def _isin(value: str) -> str | None:
    if not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{9}[0-9]", value):
        return "is not an ISIN (two letters, nine letters or digits, a check digit)"
    return None if luhn_valid(_letters_as_digits(value)) else "is not a valid ISIN: wrong check digit"


def _ean_valid(digits: str) -> bool:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(reversed(digits[:-1]), start=1))
    return (10 - total % 10) % 10 == int(digits[-1])


def _ean(value: str) -> str | None:
    if not re.fullmatch(r"[0-9]{8}|[0-9]{12,14}", value):
        return "is not an EAN / GTIN (8, 12, 13 or 14 digits)"
    return None if _ean_valid(value) else "is not a valid EAN / GTIN: wrong check digit"


def _isbn(value: str) -> str | None:
    if re.fullmatch(r"[0-9]{9}[0-9X]", value):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(value))
        return None if total % 11 == 0 else "is not a valid ISBN: wrong check digit"
    if re.fullmatch(r"97[89][0-9]{10}", value):
        return None if _ean_valid(value) else "is not a valid ISBN: wrong check digit"
    return "is not an ISBN (10 characters, or 13 digits starting with 978 or 979)"


def _siren(value: str) -> str | None:
    if not re.fullmatch(r"[0-9]{9}", value):
        return "is not a SIREN (9 digits)"
    return None if luhn_valid(value) else "is not a valid SIREN: wrong check digit"


#: La Poste's establishments (but its head office): their SIRET are checked by the sum of their digits (a multiple
#: of 5), not by Luhn.
_LA_POSTE = "356000000"
_LA_POSTE_HEAD_OFFICE = "35600000000048"


def _siret(value: str) -> str | None:
    if not re.fullmatch(r"[0-9]{14}", value):
        return "is not a SIRET (14 digits)"
    if _siren(value[:9]) is not None:
        return "is not a valid SIRET: its SIREN (the first 9 digits) is wrong"
    if value.startswith(_LA_POSTE) and value != _LA_POSTE_HEAD_OFFICE:
        valid = sum(map(int, value)) % 5 == 0
    else:
        valid = luhn_valid(value)
    return None if valid else "is not a valid SIRET: wrong check digit"


def _vat_fr(value: str) -> str | None:
    value = value.removeprefix("FR")
    if not re.fullmatch(r"[0-9A-Z]{2}[0-9]{9}", value):
        return "is not a French VAT number (FR, a two-character key, then the 9 digits of the SIREN)"
    key, siren = value[:2], value[2:]
    if not siren.startswith("000") and _siren(siren) is not None:  # 000...: Monaco, no SIREN
        return "is not a valid French VAT number: its SIREN is wrong"
    if key.isdigit():
        expected = (12 + 3 * (int(siren) % 97)) % 97
        return None if int(key) == expected else "is not a valid French VAT number: wrong key"
    return None  # a key with letters (given to some companies): its form is checked, not its value


#: The checksums ``text`` rules offer, by the name a rule file uses.
CHECKS: dict[str, Callable[[str], str | None]] = {
    "iban": _iban,
    "luhn": _luhn,
    "isin": _isin,
    "ean": _ean,
    "isbn": _isbn,
    "siren": _siren,
    "siret": _siret,
    "vat_fr": _vat_fr,
}


def problem(checksum: str, value: str) -> str | None:
    """What is wrong with ``value`` as a ``checksum`` identifier, in words; None when it is valid."""
    return CHECKS[checksum](compact(value))
