"""Regexes that can take exponential time are refused at load, lint and build; the others pass."""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path

import pytest
from conftest import ROOT, RULES
from hypothesis import given, settings
from hypothesis import strategies as st

from kili_rules.authoring.loader import load_rule_set
from kili_rules.authoring.regex_safety import catastrophic_part
from kili_rules.errors import RuleFileError

#: pattern -> the part named (each takes seconds on ~25 characters of a text that does not match)
EXPONENTIAL = {
    r"(a+)+": "(a+)+",
    r"(a*)*": "(a*)*",
    r"(a|aa)+": "(a|aa)+",
    r"(\w+\s?)*": r"(\w+\s?)*",
    r"(a|a)*": "(a|a)*",
    r"(a{1,3})+": "(a{1,3})+",
    r"^(([a-z])+.)+[A-Z]([a-z])+$": "(([a-z])+.)+",
    r"(\s?\w+)*$": r"(\s?\w+)*",
    r"(x+x+)+y": "(x+x+)+",
    r"(?=(a+)+b)": "(a+)+",
    r"([a-zA-Z0-9]+)*@": "([a-zA-Z0-9]+)*",
    r"(a+)+?": "(a+)+?",
    r"((ab)*)+": "((ab)*)+",
    r"FR(\d{2,6}-?)+$": r"(\d{2,6}-?)+",
    r"(?:a|ab|b)+": "(?:a|ab|b)+",
    r"^(\w+\.?)+@example\.com$": r"(\w+\.?)+",
    r"(?i)(a|A)(b|B)(x+X)+": "(x+X)+",
    r"(\d+\d+)+": r"(\d+\d+)+",
}
SAFE = [
    r"a+",
    r"(ab+)+",
    r"([a-z]+\.)+[a-z]{2,}",
    r"FR\d{2}[0-9A-Z ]{10,30}",
    r"\d{1,3}(\.\d{1,3}){3}",
    r"(ab|ac)+",
    r"(\d+)(,\d+)*",
    r"\w+(\s\w+)*",
    r"(\d{4})-(\d{2})-(\d{2})",
    r"(a|ab)+",
    r".*",
    r"^[^@\s]+@[^@\s]+\.[a-z]+$",
    r"(\w)\1*",
    r"(?:\+33|0)[1-9](?: ?\d{2}){4}",
    r"(\d|\w)+",  # re merges one-character alternatives into one class: linear time (measured)
    r"(?:[A-Z]{2}\d{2})(?: ?[A-Z0-9]{4})+",
    r"[A-Z]{2}\d+",
    r"\w+",
    re.escape("__import__('os').system('echo pwned')"),
]


def _regexes_of_the_examples() -> list[str]:
    found = []
    tests = [path for path in (ROOT / "tests").glob("*.py") if path.name != Path(__file__).name]
    for path in [*RULES.glob("*.yaml"), *(RULES / "tests").glob("*.yaml"), *tests]:
        text = path.read_text(encoding="utf-8")
        found += re.findall(r"regex: ['\"]?([^'\"\n]+)", text) + re.findall(r"\"regex\": r\"([^\"]+)\"", text)
    return [pattern for pattern in found if _compiles(pattern)]


def _compiles(pattern: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            re.compile(pattern)
        except re.error:
            return False
    return True


@pytest.mark.parametrize("pattern", sorted(EXPONENTIAL))
def test_exponential_patterns_are_found_and_named(pattern):
    hazard = catastrophic_part(pattern)
    assert hazard is not None and hazard.part == EXPONENTIAL[pattern]


@pytest.mark.parametrize("pattern", [*SAFE, *_regexes_of_the_examples()])
def test_safe_patterns_pass(pattern):
    assert catastrophic_part(pattern) is None


def test_a_found_pattern_really_is_slow_and_a_safe_one_is_not():
    text = "a" * 22 + "!"
    start = time.perf_counter()
    re.fullmatch(r"(a|aa)+", text)
    slow = time.perf_counter() - start
    start = time.perf_counter()
    re.fullmatch(r"(a|ab)+", text)
    assert time.perf_counter() - start < slow / 10


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab()|*+?{}[]^$.\\dws,0123-:=!<>P", max_size=30))
def test_the_detector_never_raises_on_what_re_compiles(pattern):
    if _compiles(pattern):
        catastrophic_part(pattern)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=20))
def test_the_detector_never_raises_on_any_text(pattern):
    catastrophic_part(pattern)


def test_a_catastrophic_regex_is_one_line_at_its_value(write_rules):
    path = write_rules("rules:\n  - id: iban\n    type: text\n    job: J\n    regex: 'FR(\\d+)+'\n")
    with pytest.raises(RuleFileError) as raised:
        load_rule_set(path)
    assert str(raised.value).startswith(
        f"{path}:5:12: error: regex part (\\d+)+ can match the same text in several ways (nested quantifiers"
    )
    assert str(raised.value).endswith("possessive quantifiers and atomic groups need Python >= 3.11 [iban]")
    assert str(raised.value).count("\n") == 0


def test_a_long_text_is_not_matched_against_the_regex_and_is_a_finding(write_rules):
    path = write_rules(
        "rules:\n  - {id: a, type: text, job: T, regex: 'x+'}\n  - {id: b, type: text, job: T, regex: 'x+', "
        "regex_max_text: 20000}\n"
    )
    rules = load_rule_set(path)
    report = rules.evaluate({"jsonResponse": {"T": {"text": "x" * 10_001}}})
    (finding,) = report.outcome("a").findings
    assert finding.message.endswith("is a text of 10001 characters, longer than the 10000 a regex may read")
    assert report.outcome("b").status == "pass"
    assert rules.evaluate({"jsonResponse": {"T": {"text": "x" * 10_000}}}).outcome("a").status == "pass"


def test_regex_max_text_must_be_positive(write_rules):
    path = write_rules("rules:\n  - {id: a, type: text, job: T, regex: 'x+', regex_max_text: 0}\n")
    with pytest.raises(
        RuleFileError, match=r":2:\d+: error: regex_max_text: Input should be greater than or equal to 1 .*\[a\]"
    ):
        load_rule_set(path)
