"""Regexes the plugin cannot match in linear time are refused at load, lint and build; the others pass, the
exponential shapes ``re`` used to hang on included (the plugin matches them in linear time)."""

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
from kili_rules.runtime.linear_regex import LinearRegex

#: pattern -> the part named
REFUSED = {
    r"FR(\d)\1": "a backreference (\\1, (?P=name))",
    r"(?P<d>\d)(?P=d)": "a backreference (\\1, (?P=name))",
    r"(?=(a+)+b)": "a lookaround ((?=...), (?<=...))",
    r"\w+(?<=x)": "a lookaround ((?=...), (?<=...))",
    r"\w+(?!x)": "a negative lookaround ((?!...), (?<!...))",
    r"(a)?(?(1)b|c)": "a conditional ((?(1)yes|no))",
    r"[A-Z]{0,20000}": "more than 10,000 states",
    r"(?:(?:(?:(?:(?:(?:(?:b{4}){4}){4}){4}){4}){4}){4})": "more than 10,000 states",
}
#: exponential or polynomial for ``re``, linear for the plugin: they pass now
ONCE_EXPONENTIAL = [
    r"(a+)+",
    r"(a|aa)+",
    r"(\w+\s?)*",
    r"(a{1,3})+",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
    r"FR(\d{2,6}-?)+$",
    r"(?i)(a|A)(b|B)(x+X)+",
    r"\d+\d+\d+$",
    r".*.*.*=.*",
    r"(a?){25}a{25}",
]
SAFE = [
    r"a+",
    r"([a-z]+\.)+[a-z]{2,}",
    r"FR\d{2}[0-9A-Z ]{10,30}",
    r"\d{1,3}(\.\d{1,3}){3}",
    r"(\d{4})-(\d{2})-(\d{2})",
    r".*",
    r"^[^@\s]+@[^@\s]+\.[a-z]+$",
    r"(?:\+33|0)[1-9](?: ?\d{2}){4}",
    r"[A-Z]{0,4000}",
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


@pytest.mark.parametrize("pattern", sorted(REFUSED))
def test_what_cannot_be_linear_is_refused_and_named(pattern):
    hazard = catastrophic_part(pattern)
    assert hazard is not None and hazard.part == REFUSED[pattern]


@pytest.mark.parametrize("pattern", [*ONCE_EXPONENTIAL, *SAFE, *_regexes_of_the_examples()])
def test_linear_patterns_pass(pattern):
    assert catastrophic_part(pattern) is None


def test_the_check_is_bounded_on_huge_and_long_patterns():
    """It stops at the first state past the limit: milliseconds, where the old detector took minutes on a long
    pattern (a generous limit: the machine is shared)."""
    patterns = ["(?:a{1000}){1000}", "x{0,4000000000}", r"\w?" * 110 + r"(\d+\s?)+$", "(?:" * 90 + "a" + "){9}" * 90]
    start = time.perf_counter()
    found = [catastrophic_part(pattern) for pattern in patterns]
    assert time.perf_counter() - start < 2.0
    assert [hazard.part if hazard else None for hazard in found] == [
        "more than 10,000 states",
        "more than 10,000 states",
        None,
        "more than 10,000 states",
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab()|*+?{}[]^$.\\dws,0123-:=!<>P", max_size=30))
def test_what_passes_the_check_is_what_the_plugin_matches(pattern):
    """Never raises on what ``re`` compiles; what it passes, the linear matcher takes and answers as ``re``."""
    if _compiles(pattern) and catastrophic_part(pattern) is None:
        linear = LinearRegex(pattern)
        for text in ("", "a", "ab1", "b-a:"):
            assert linear.fullmatch(text) == (re.fullmatch(pattern, text) is not None)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=20))
def test_the_check_never_raises_on_any_text(pattern):
    catastrophic_part(pattern)


def test_a_refused_regex_is_one_line_at_its_value(write_rules):
    path = write_rules("rules:\n  - id: iban\n    type: text\n    job: J\n    regex: 'FR(\\d)\\1'\n")
    with pytest.raises(RuleFileError) as raised:
        load_rule_set(path)
    assert str(raised.value).startswith(
        f"{path}:5:12: error: regex uses a backreference (\\1, (?P=name)), which cannot be matched in time linear"
    )
    assert str(raised.value).endswith("or check that part with another option or a Python rule [iban]")
    assert str(raised.value).count("\n") == 0


def test_a_once_catastrophic_regex_loads_and_answers_fast(write_rules):
    path = write_rules("rules:\n  - {id: iban, type: text, job: J, regex: 'FR(\\d+\\s?)+'}\n")
    rules = load_rule_set(path)
    text = "FR" + "1" * 9_000 + "!"  # re.fullmatch would take longer than the age of the universe
    assert rules.evaluate({"jsonResponse": {"J": {"text": text}}}).outcome("iban").status == "fail"
    assert rules.evaluate({"jsonResponse": {"J": {"text": "FR12 34"}}}).outcome("iban").status == "pass"


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
