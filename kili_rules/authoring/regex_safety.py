"""Regexes the plugin cannot match in time linear in the text, found before they reach a plugin.

The plugin does not match a rule's regex with Python's backtracking ``re`` (which can take exponential time on
``(a|aa)+``, cubic time on ``\\d+\\d+\\d+$``, inside C code that no budget can interrupt): it matches it with
``kili_rules.runtime.linear_regex``, a lazily built DFA over a Thompson automaton, whose time is at most one pass
over the automaton per character, whatever the pattern. So nested quantifiers and overlapping alternatives are no
longer a hazard, and the exponential-shape detector this module used to be (Weber and Seidl's ambiguity criterion,
which guessed which patterns ``re`` would take exponential time on, missed the polynomial ones, and could itself
take minutes on a long pattern) is gone.

What is refused here is what that matcher does not take:

- constructs no automaton of its kind can match in linear time: backreferences (``\\1``, ``(?P=name)``),
  lookarounds (``(?=...)``, ``(?!...)``, ``(?<=...)``, ``(?<!...)``), conditionals (``(?(1)...|...)``),
  possessive repeats and atomic groups (``a*+``, ``(?>...)``);
- a pattern whose automaton exceeds ``regex_program.MAX_STATES`` states once its counted repeats are written out
  (``x{1,20000}``): its size bounds the time per character, so it is bounded too.

The check is the matcher's own compilation (the same code the plugin runs), so what passes here is what the plugin
matches; it stops at the first state past the limit, so it takes milliseconds on any pattern. A pattern ``re``
refuses is not reported here: it is an invalid regex, reported by the rule type.

Authoring-time only: the plugin does not embed this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kili_rules.runtime.regex_program import RegexRefused, compile_program


@dataclass(frozen=True)
class RegexHazard:
    """A part of a pattern the linear matcher does not take: ``part`` names it (``a backreference (\\1,
    (?P=name))``, ``more than 10,000 states``), ``why`` is the message."""

    part: str
    why: str

    def message(self) -> str:
        """What is wrong and what to do, in one sentence."""
        return self.why


def catastrophic_part(pattern: str) -> RegexHazard | None:
    """What of ``pattern`` the plugin cannot match in linear time, or None. Never raises; None for a pattern that
    ``re.compile`` refuses (that is reported as an invalid regex)."""
    try:
        compile_program(pattern)
    except RegexRefused as refused:
        return RegexHazard(refused.part, str(refused))
    except (re.error, OverflowError, ValueError, RecursionError):
        return None
    return None


__all__ = ["RegexHazard", "catastrophic_part"]
