"""text: the value of a transcription job: prefix, suffix, pattern, allowed values, length, checksum, number, date.

Checks every value given to a transcription job, wherever the job occurs: a child transcription under a box is
checked on each box, and its finding is pinned to that box's ``mid``. The value is normalised first (``strip``,
``case``, ``remove_spaces``), then each condition that is set must hold. An empty value is not checked (make the
job required with a ``required`` rule); when no occurrence has a value, the rule is not applicable.

With ``kind: number`` the value must parse as a number (``1 234,56`` and ``1,234.56`` both read as 1234.56) and
lie within ``min`` / ``max``; with ``kind: date`` it must parse with one of ``date_formats`` and lie within
``after`` / ``before`` (ISO dates, inclusive). ``kind: auto`` (the default) takes the kind from the job's input
type in the project's jsonInterface (``number``, ``date``; anything else is text).

Options:

Placeholders: `{value}` (as normalised; of a NER job, the entity's content), `{reason}` (what is wrong, in words),
`{job}`.

Example:

```yaml
rule:
  id: iban-fr
  type: text
  job: TRANSCRIPTION_JOB
  starts_with: FR
  message: "IBAN number should start by FR"
fails:
  - JOB_0:
      annotations:
        - mid: box-1
          categories: [{name: IBAN}]
          children: {TRANSCRIPTION_JOB: {text: "DE89 3704 0044"}}
passes:
  - JOB_0:
      annotations:
        - mid: box-1
          categories: [{name: IBAN}]
          children: {TRANSCRIPTION_JOB: {text: "FR76 3000 6000"}}
not_applicable:
  - {}
```

With ``checksum`` the value's check digits must hold (an IBAN that starts with FR but whose check digits are
wrong fails): ``iban`` (with the length and the structure of the account part of its country, from SWIFT's IBAN
registry: a GB IBAN is GB, 2 check digits, then 4 letters, 6 digits, 8 digits), ``luhn`` (payment cards), ``isin``,
``ean`` (EAN / GTIN 8, 12, 13, 14), ``isbn`` (10 or 13), ``siren``, ``siret``, ``vat_fr``; spaces, hyphens and dots
are ignored.

Example (a French IBAN whose check digits hold):

```yaml
rule: {id: iban, type: text, job: IBAN, starts_with: FR, checksum: iban, remove_spaces: true}
fails:
  - {IBAN: {text: "FR77 3000 6000 0112 3456 7890 189"}}
  - {IBAN: {text: "DE89 3704 0044 0532 0130 00"}}
passes:
  - {IBAN: {text: "FR76 3000 6000 0112 3456 7890 189"}}
```

With ``job`` a named-entity (NER) job, each entity's ``content`` is the value (of ``category`` only, when given),
and each finding is pinned on its entity: its offsets must span its content (``endOffset - beginOffset`` is the
length of the content), and with ``overlap: forbid`` no entity may start inside another. A PDF entity spread over
several pages is one entity.

``overlap`` may also say which categories may overlap, by pairs as the ``overlap`` rule type writes them:
``overlap: {forbid: [[VERB, VERB], [VERB, SUBJECT]]}`` forbids only these pairs (in either order: a verb inside
a subject, or a subject inside a verb), any other overlap is allowed; ``overlap: {allow: [[SUBJECT, COMPLEMENT]]}``
allows only these pairs and forbids every other (two verbs, a verb and a subject, ...). Given both, ``forbid``
pairs are forbidden and the pairs neither lists too (``allow`` decides the others); a pair may not be in both.
Each entity that starts inside an earlier one of a forbidden pair is one finding, pinned on it (the later one,
as with ``forbid``), whose reason names both categories and the other entity (its content and mid). An entity of
several categories is forbidden when any of its categories makes a forbidden pair with one of the other's; an
entity without a category pairs with none. With ``category``, the rule reads only that category's entities, so
its pairs may name that category only. The check is one sweep over the entities sorted by offset (``n log n``,
plus ``n`` times the categories present): on 10,000 entities it takes 1 to 1.5 times the time of ``overlap:
forbid``, some tens of milliseconds (``bench/bench_entity_overlap.py``).

Example (NER: the dates written as dates, no overlapping entities):

```yaml
rule: {id: ner-dates, type: text, job: NER, category: DATE, kind: date, overlap: forbid}
fails:
  - NER: {annotations: [{mid: e1, beginOffset: 0, endOffset: 8, content: "tomorrow", categories: [{name: DATE}]}]}
  - NER: {annotations: [{mid: e1, beginOffset: 0, endOffset: 9, content: "2024-01-02", categories: [{name: DATE}]}]}
  - NER: {annotations: [{mid: e1, beginOffset: 0, endOffset: 10, content: "2024-01-02", categories: [{name: DATE}]},
                        {mid: e2, beginOffset: 5, endOffset: 15, content: "01-02 2024", categories: [{name: DATE}]}]}
pinned:
  - [e1]
  - [e1]
  - [e2, e2]
passes:
  - NER: {annotations: [{mid: e1, beginOffset: 3, endOffset: 13, content: "2024-01-02", categories: [{name: DATE}]},
                        {mid: e2, beginOffset: 0, endOffset: 2, content: "on", categories: [{name: WORD}]}]}
not_applicable:
  - NER: {annotations: [{mid: e2, beginOffset: 0, endOffset: 2, content: "on", categories: [{name: WORD}]}]}
```

Example (NER by pair of categories: a subject and a complement may share a span, two verbs may not, nor a verb
and a complement):

```yaml
rule: {id: grammar, type: text, job: NER, overlap: {allow: [[SUBJECT, COMPLEMENT]]}}
fails:
  - NER: {annotations: [{mid: v1, beginOffset: 4, endOffset: 10, content: "peered", categories: [{name: VERB}]},
                        {mid: v2, beginOffset: 4, endOffset: 15, content: "peered down", categories: [{name: VERB}]}]}
  - NER: {annotations: [{mid: c1, beginOffset: 0, endOffset: 16, content: "the hefty Krause",
                         categories: [{name: COMPLEMENT}]},
                        {mid: v1, beginOffset: 10, endOffset: 16, content: "Krause", categories: [{name: VERB}]}]}
pinned:  # on the later entity: v2 starts where v1 does and ends after it; v1 starts inside c1
  - [v2]
  - [v1]
passes:
  - NER: {annotations: [{mid: c1, beginOffset: 0, endOffset: 16, content: "the hefty Krause",
                         categories: [{name: COMPLEMENT}]},
                        {mid: s1, beginOffset: 0, endOffset: 16, content: "the hefty Krause",
                         categories: [{name: SUBJECT}]}]}
```

Example (a number within bounds):

```yaml
rule: {id: amount, type: text, job: AMOUNT, kind: number, min: 0, max: 10000}
fails:
  - {AMOUNT: {text: "-3"}}
  - {AMOUNT: {text: "twelve"}}
passes:
  - {AMOUNT: {text: "1 234,50"}}
```

Example (normalised value among accepted ones):

```yaml
rule: {id: currency, type: text, job: CURRENCY, one_of: [EUR, USD], case: upper}
fails:
  - {CURRENCY: {text: "GBP"}}
passes:
  - {CURRENCY: {text: " eur "}}
```
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, replace
from itertools import repeat
from operator import itemgetter
from typing import Literal

from kili_rules.rule_types._checksums import problem as checksum_problem
from kili_rules.rule_types._entity_overlap import (
    OverlapPairs,
    entity_name,
    lint_pairs,
    overlap_findings,
    validate_pairs,
)
from kili_rules.rule_types._ml_tasks import TEXT_TASKS
from kili_rules.runtime.contract import InterfaceView, OptionProblem, RuleType, option
from kili_rules.runtime.label_view import LabelView
from kili_rules.runtime.linear_regex import LinearRegex
from kili_rules.runtime.model import NOT_APPLICABLE, Violation

NER = "NAMED_ENTITIES_RECOGNITION"
DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y", "%d.%m.%Y")
#: The longest value matched against a regex, in characters (a match takes time that grows with the text: at most
#: one pass over the regex's automaton per character, see ``runtime/linear_regex.py``).
DEFAULT_REGEX_MAX_TEXT = 10_000


@dataclass(frozen=True)
class TextParams:
    """The options of a ``text`` rule."""

    job: str = option(doc="the transcription job, or a named-entity job (its entities' content)", job=True)
    category: str | None = option(None, doc="a NER job: check only the entities of this category", category=True)
    overlap: Literal["allow", "forbid"] | OverlapPairs = option(
        "allow",
        doc="a NER job: `forbid` makes overlapping entities findings; `{forbid: [[A, B]]}` only those of these "
        "categories, `{allow: [[A, B]]}` all but those",
    )
    starts_with: str | list[str] | None = option(None, doc="the value starts with this string, or one of these")
    ends_with: str | list[str] | None = option(None, doc="the value ends with this string, or one of these")
    regex: str | None = option(
        None,
        doc="the whole value must match (Python `re` syntax, full match, in time linear in the value; backreferences "
        "and lookarounds refused)",
    )
    regex_max_text: int = option(
        DEFAULT_REGEX_MAX_TEXT, doc="a longer value is not matched against `regex`: it is a finding of its own", ge=1
    )
    one_of: list[str] | None = option(None, doc="the accepted values")
    min_length: int | None = option(None, doc="at least this many characters", ge=0)
    max_length: int | None = option(None, doc="at most this many characters", ge=0)
    kind: Literal["auto", "text", "number", "date"] = option(
        "auto", doc="`auto` (the job's input type), `text`, `number` or `date`"
    )
    min: float | None = option(None, doc="the smallest number accepted (`kind: number`)")
    max: float | None = option(None, doc="the largest number accepted (`kind: number`)")
    after: str | None = option(None, doc="the earliest date accepted, `YYYY-MM-DD` (`kind: date`)")
    before: str | None = option(None, doc="the latest date accepted, `YYYY-MM-DD` (`kind: date`)")
    date_formats: list[str] | None = option(
        None, doc="`strptime` formats tried in order", default_text="ISO, `dd/mm/yyyy`, `dd.mm.yyyy`"
    )
    checksum: Literal["iban", "luhn", "isin", "ean", "isbn", "siren", "siret", "vat_fr"] | None = option(
        None,
        doc="the value's check digits hold: `iban`, `luhn` (payment cards), `isin`, `ean` (GTIN), `isbn`, `siren`, "
        "`siret`, `vat_fr` (spaces, hyphens and dots ignored)",
    )
    strip: bool = option(True, doc="remove surrounding white space")
    case: Literal["keep", "upper", "lower"] = option("keep", doc="`keep`, `upper` or `lower`")
    remove_spaces: bool = option(False, doc="remove every space inside the value (IBANs...)")


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def parse_number(text: str) -> float | None:
    """A number as labelers type it: ``12``, ``-3.5``, ``1 234,56``, ``1,234.56``; None if it is not one."""
    cleaned = text.replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace("_", "")
    if "," in cleaned and "." in cleaned:
        decimal = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        cleaned = cleaned.replace("." if decimal == "," else ",", "").replace(",", ".")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    elif cleaned.count(",") > 1:
        cleaned = cleaned.replace(",", "")
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def parse_date(text: str, formats: list[str] | None) -> datetime.date | None:
    """A date read with the first of ``formats`` that fits; None if none does."""
    for fmt in formats or DEFAULT_DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def normalise(params: TextParams, text: str) -> str:
    """The value as the conditions see it."""
    if params.strip:
        text = text.strip()
    if params.remove_spaces:
        text = "".join(text.split())
    if params.case == "upper":
        text = text.upper()
    elif params.case == "lower":
        text = text.lower()
    return text


def effective_kind(params: TextParams) -> str:
    """The kind the value is read as: ``auto`` without an interface guesses from the bounds that are set."""
    if params.kind != "auto":
        return params.kind
    if params.min is not None or params.max is not None:
        return "number"
    if params.after is not None or params.before is not None:
        return "date"
    return "text"


def _problem(params: TextParams, value: str, prepared: _Prepared | None = None) -> str | None:
    """What is wrong with ``value``, in words, or None (``prepared``: the rule's ``_prepared``, when at hand)."""
    prepared = prepared or _prepared(params)
    kind, prefixes, suffixes = prepared.kind, prepared.prefixes, prepared.suffixes
    if prefixes and not value.startswith(prefixes):
        return f"does not start with {' or '.join(prefixes)}"
    if suffixes and not value.endswith(suffixes):
        return f"does not end with {' or '.join(suffixes)}"
    if params.regex is not None and len(value) > params.regex_max_text:
        return f"is a text of {len(value)} characters, longer than the {params.regex_max_text} a regex may read"
    if prepared.regex is not None and not prepared.regex.fullmatch(value):
        return f"does not match {params.regex}"
    if params.one_of is not None and value not in params.one_of:
        return f"is not one of {', '.join(params.one_of)}"
    if params.min_length is not None and len(value) < params.min_length:
        return f"is shorter than {params.min_length} characters"
    if params.max_length is not None and len(value) > params.max_length:
        return f"is longer than {params.max_length} characters"
    if params.checksum is not None:
        wrong = checksum_problem(params.checksum, value)
        if wrong is not None:
            return wrong
    if kind == "number":
        number = parse_number(value)
        if number is None:
            return "is not a number"
        if params.min is not None and number < params.min:
            return f"is below {params.min:g}"
        if params.max is not None and number > params.max:
            return f"is above {params.max:g}"
    if kind == "date":
        date = parse_date(value, params.date_formats)
        if date is None:
            return f"is not a date ({' or '.join(params.date_formats or DEFAULT_DATE_FORMATS)})"
        if params.after is not None and date < datetime.date.fromisoformat(params.after):
            return f"is before {params.after}"
        if params.before is not None and date > datetime.date.fromisoformat(params.before):
            return f"is after {params.before}"
    return None


class _Prepared:
    """What a ``text`` rule's checks need that depends on its parameters only: computed once per rule, with the
    problems found so far, by value (a value's problem depends on the value and the parameters only)."""

    __slots__ = ("kind", "params", "plain", "prefixes", "problems", "regex", "suffixes")

    def __init__(self, params: TextParams) -> None:
        self.params = params
        self.problems: dict[str, str | None] = {}
        self.kind = effective_kind(params)
        self.prefixes = tuple(_as_list(params.starts_with))
        self.suffixes = tuple(_as_list(params.ends_with))
        self.regex = None if params.regex is None else LinearRegex(params.regex)
        #: only a prefix or a suffix to check: ``check`` tests them itself and calls ``_problem`` on failure only
        self.plain = self.kind == "text" and not any(
            getattr(params, key) is not None for key in ("regex", "one_of", "min_length", "max_length", "checksum")
        )

    def problem(self, value: str) -> str | None:
        """``_problem`` of ``value``, remembered (for the first 4,096 values, no longer than 256 characters)."""
        found = self.problems.get(value, _UNKNOWN)
        if found is _UNKNOWN:
            found = _problem(self.params, value, self)
            if len(value) <= 256 and len(self.problems) < 4096:
                self.problems[value] = found
        return found  # type: ignore[return-value]


_UNKNOWN = object()
#: The raw answer of an occurrence (``LabelView.occurrences``).
_ANSWER = itemgetter(0)


#: ``_Prepared`` by rule: keyed by the params object's id, holding the object (so the id cannot be reused meanwhile)
_PREPARED: dict[int, tuple[TextParams, _Prepared]] = {}


def _prepared(params: TextParams) -> _Prepared:
    found = _PREPARED.get(id(params))
    if found is not None and found[0] is params:
        return found[1]
    prepared = _Prepared(params)
    if len(_PREPARED) >= 1024:
        _PREPARED.clear()
    _PREPARED[id(params)] = (params, prepared)
    return prepared


def check(params: TextParams, label: LabelView) -> list[Violation] | object:
    """Check each non-empty value of the job (of a NER job: each entity's content).

    Hot path: reads the raw answers (no JobResponse built); what depends on the parameters only, and the problem
    of each value already seen, come from the rule's ``_prepared``."""
    occurrences = label.occurrences(params.job)
    if params.category is not None or any(map(dict.get, map(_ANSWER, occurrences), repeat("annotations"))):
        return check_entities(params, label)
    prepared = _prepared(params)
    prefixes, suffixes, plain, problem = prepared.prefixes, prepared.suffixes, prepared.plain, prepared.problem
    strip, remove_spaces, case, job = params.strip, params.remove_spaces, params.case, params.job
    violations, checked = [], 0
    for raw, frame, parent_mid in occurrences:
        value = raw.get("text")
        if not isinstance(value, str):
            continue
        if remove_spaces:  # normalise(), inline: once per value on the hot path
            value = "".join(value.split())  # stripped too: split() and strip() take the same characters as spaces
        elif strip:
            value = value.strip()
        if case == "upper":
            value = value.upper()
        elif case == "lower":
            value = value.lower()
        if not value:
            continue
        checked += 1
        if plain and (not prefixes or value.startswith(prefixes)) and (not suffixes or value.endswith(suffixes)):
            continue
        reason = problem(value)
        if reason is not None:
            values = {"value": value, "reason": f"{label.interface.job_shown(job)}: '{value}' {reason}"}
            violations.append(Violation(values=values, mid=parent_mid, job=job, frame=frame))
    return violations if checked else NOT_APPLICABLE


def check_entities(params: TextParams, label: LabelView) -> list[Violation] | object:
    """Check the named entities of a NER job (of ``category``, when given): each content, that its offsets span
    its content, and with ``overlap: forbid`` that no two overlap. Each finding is pinned on its entity."""
    entities = label.annotations(params.job, category=params.category)
    if not entities:
        return NOT_APPLICABLE
    violations = []
    interface = label.interface
    for entity in entities:
        content = entity.content
        begin, end = entity.begin_offset, entity.raw.get("endOffset")
        value = normalise(params, content) if content is not None else ""
        reason = None
        if content is not None and isinstance(end, int) and begin is not None and end - begin != len(content):
            reason = f"has offsets {begin}..{end} ({end - begin} characters) that do not match its content"
        elif value:
            reason = _problem(params, value)
        if reason is not None:
            values = {
                "value": value,
                "reason": f"{entity_name(params.job, params.category, entity, interface)} entity '{value}' {reason}",
            }
            violations.append(Violation(values=values, mid=entity.mid, job=params.job, frame=entity.frame))
    if params.overlap != "allow":
        violations += overlap_findings(params.job, params.category, params.overlap, entities, interface)
    return violations


def validate(params: TextParams) -> list[OptionProblem]:
    """Load-time checks: a regex that compiles, dates that parse, bounds in order, options of the right kind."""
    problems = []
    if params.regex is not None:
        try:
            re.compile(params.regex)
        except re.error as error:
            problems.append(OptionProblem("regex", f"invalid regex: {error}"))
    for key in ("after", "before"):
        value = getattr(params, key)
        if value is not None:
            try:
                datetime.date.fromisoformat(value)
            except ValueError:
                problems.append(OptionProblem(key, f"`{key}` must be a date written YYYY-MM-DD, not {value!r}"))
    for low, high in (("min_length", "max_length"), ("min", "max"), ("after", "before")):
        a, b = getattr(params, low), getattr(params, high)
        if a is not None and b is not None and a > b:
            problems.append(OptionProblem(low, f"`{low}` ({a}) is above `{high}` ({b}): the rule can never pass"))
    if params.kind == "text" and any(getattr(params, k) is not None for k in ("min", "max", "after", "before")):
        problems.append(OptionProblem("kind", "`min`/`max`/`after`/`before` need `kind: number` or `kind: date`"))
    elif params.kind != "text":
        problems += _ignored_bounds(params)
    if isinstance(params.overlap, OverlapPairs):
        problems += validate_pairs(params.overlap, params.category)
    return problems


def prepare(params: TextParams, interface: InterfaceView) -> TextParams:
    """``kind: auto`` becomes ``number`` or ``date`` when that is the job's input type in the jsonInterface."""
    job = interface.jobs.get(params.job)
    if params.kind != "auto" or job is None:
        return params
    if job.input_type == "number":
        return replace(params, kind="number")
    return replace(params, kind="date") if job.input_type == "date" else params


def lint(params: TextParams, interface: InterfaceView) -> list[OptionProblem]:
    """Against the interface: the job is a transcription, and ``kind`` agrees with its input type."""
    job, problems = interface.check_job(
        "job",
        params.job,
        TEXT_TASKS | {NER},
        "a transcription or named-entity job",
        {
            "CLASSIFICATION": "to check the categories chosen, use a `categories` rule",
            "OBJECT_DETECTION": "to check the text of each box, address its child transcription job",
        },
    )
    if job is not None and job.ml_task == NER:
        if params.category is not None:
            problems += interface.check_category(job, "category", params.category)
        if isinstance(params.overlap, OverlapPairs):
            problems += lint_pairs(params.overlap, interface, job)
        return problems
    for key in ("category", "overlap"):
        if job is not None and getattr(params, key) != TextParams.__dataclass_fields__[key].default:
            problems.append(OptionProblem(key, f"`{key}` is for named-entity jobs; {job.describe}"))
    if job is None or job.ml_task not in TEXT_TASKS:
        return problems
    kind = params.kind
    if kind in ("number", "date") and job.input_type in ("number", "date") and kind != job.input_type:
        message = f"`kind: {kind}` but {job.name} takes a {job.input_type}: most answers will fail; remove `kind`"
        problems.append(OptionProblem("kind", message))
    return problems


def _ignored_bounds(params: TextParams) -> list[OptionProblem]:
    """Bounds of the other kind, which the check never reads: ``min`` on a date, ``after`` on a number (with an
    interface, ``kind: auto`` has become the job's input type by then)."""
    kind = effective_kind(params)
    read_as = {"number": "a number", "date": "a date"}.get(kind, kind)
    problems = []
    for key, wanted in (("min", "number"), ("max", "number"), ("after", "date"), ("before", "date")):
        if getattr(params, key) is not None and kind != wanted:
            advice = "use `after` / `before`" if wanted == "number" else "use `min` / `max`"
            message = f"`{key}` bounds a {wanted}, but the value is read as {read_as}: it is ignored; {advice}"
            problems.append(OptionProblem(key, message))
    return problems


RULE_TYPE = RuleType(
    name="text",
    params=TextParams,
    check=check,
    placeholders=("value", "reason"),
    default_message="{reason}",
    validate=validate,
    prepare=prepare,
    lint=lint,
)
