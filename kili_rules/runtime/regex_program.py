"""A regex as a Thompson automaton (a Pike VM program), built from the standard library's own parse of it.

The pattern is parsed by ``re``'s parser (``re._parser`` on Python >= 3.11, ``sre_parse`` on 3.10), so the syntax
is exactly Python's. The parse tree becomes a list of instructions:

- ``CHAR p``: read one character that predicate ``p`` accepts, go on to the next instruction;
- ``SPLIT a b``: go on at ``a`` and at ``b``; ``JMP a``: go on at ``a``;
- ``ASSERT k``: go on when the zero-width condition ``k`` (``^ $ \\A \\Z \\b \\B``) holds here;
- ``MATCH``: the pattern has matched.

A predicate is one character class written back as a one-character pattern (``(?i)[^a-z\\d]``) and tested with
``re`` itself, so case folding, ``\\d \\w \\s`` on Unicode or ASCII, ``.`` and ``DOTALL`` agree with ``re`` by
construction; such a pattern reads one character, with no repeat, in constant time. Anchors and ``\\b`` take the
meaning the flags give them at their place (``MULTILINE``, ``ASCII``, scoped ``(?m:...)``), as ``re`` compiles them.
Groups only group (capturing is ignored: the matcher answers yes or no); greedy and lazy repeats are the same
automaton (greediness picks which match, never whether there is one).

Refused, with :class:`RegexRefused`: what no automaton of this kind can match in linear time (backreferences,
lookarounds, conditionals, possessive repeats and atomic groups) and a pattern whose program would exceed
``max_states`` instructions (counted repeats are written out: ``x{2,5}`` is five copies of ``x``). Building stops at
the first instruction past the limit, so refusing a huge pattern costs no more than building a large one.

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

if sys.version_info >= (3, 11):
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
else:  # pragma: no cover - Python 3.10
    import sre_constants as _sre
    import sre_parse as _sre_parse

#: The most instructions a program may have (counted repeats written out); a larger pattern is refused.
MAX_STATES = 10_000

CHAR, SPLIT, JMP, ASSERT, MATCH = range(5)

#: Zero-width conditions, as bit numbers of a context (``linear_regex`` computes which hold at a position).
BEGIN, BEGIN_LINE, END, END_LINE, END_STRING, WORD_EDGE, NOT_WORD_EDGE, ASCII_WORD_EDGE, ASCII_NOT_WORD_EDGE = range(9)

_MULTILINE, _DOTALL, _IGNORECASE, _ASCII = 8, 16, 2, 256
_TYPE_FLAGS = 256 | 4 | 32  # ASCII | LOCALE | UNICODE
#: not a flag of re's: the pattern is inside a scoped (?a:...) or (?u:...), where re reads classes inconsistently
_SCOPED_TYPE = 1 << 30
_CATEGORIES = {
    _sre.CATEGORY_DIGIT: "\\d",
    _sre.CATEGORY_NOT_DIGIT: "\\D",
    _sre.CATEGORY_SPACE: "\\s",
    _sre.CATEGORY_NOT_SPACE: "\\S",
    _sre.CATEGORY_WORD: "\\w",
    _sre.CATEGORY_NOT_WORD: "\\W",
}
#: What cannot be matched in linear time, by parse-tree operator: (the construct, how it is written).
UNSUPPORTED = {
    _sre.GROUPREF: ("a backreference", "\\1, (?P=name)"),
    _sre.GROUPREF_EXISTS: ("a conditional", "(?(1)yes|no)"),
    _sre.ASSERT: ("a lookaround", "(?=...), (?<=...)"),
    _sre.ASSERT_NOT: ("a negative lookaround", "(?!...), (?<!...)"),
}
if hasattr(_sre, "ATOMIC_GROUP"):  # Python >= 3.11
    UNSUPPORTED[_sre.ATOMIC_GROUP] = ("an atomic group", "(?>...)")
    UNSUPPORTED[getattr(_sre, "POSSESSIVE_REPEAT")] = ("a possessive repeat", "*+, ++, ?+, {m,n}+")  # noqa: B009


class RegexRefused(ValueError):
    """A pattern the linear matcher does not take; ``part`` names what (``a backreference (\\1, (?P=name))``, or
    ``more than 10,000 states``), the message says why and what to do."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part


def _not_linear(construct: str, written: str) -> RegexRefused:
    part = f"{construct} ({written})"
    return RegexRefused(
        part,
        f"regex uses {part}, which cannot be matched in time linear in the text: the plugin matches regexes in "
        "linear time, without backreferences, lookarounds, conditionals, possessive repeats or atomic groups; "
        "rewrite it without (`(?=\\d)\\w+` -> `\\d\\w*`), or check that part with another option or a Python rule",
    )


class Program:
    """The instructions of one pattern: ``ops[i]`` with its arguments ``first[i]`` and ``second[i]`` (a predicate
    index, jump targets or a condition), the predicates as one-character patterns, and the conditions used (a
    bit set over ``BEGIN`` ... ``ASCII_NOT_WORD_EDGE``). Instruction 0 is the start."""

    __slots__ = ("conditions", "first", "ops", "predicates", "second")

    def __init__(self) -> None:
        self.ops: list[int] = []
        self.first: list[int] = []
        self.second: list[int] = []
        self.predicates: list[str] = []
        self.conditions = 0


def compile_program(pattern: str, max_states: int = MAX_STATES) -> Program:
    """The program of ``pattern``. Raises ``re.error`` on a pattern Python's parser refuses, and
    :class:`RegexRefused` on one that cannot be matched in linear time or is larger than ``max_states``."""
    with warnings.catch_warnings():  # re's FutureWarnings (possible set operations) are re.compile's to show
        warnings.simplefilter("ignore")
        try:
            parsed = _sre_parse.parse(pattern, 0)
        except RecursionError:
            raise _too_deep() from None
    builder = _Builder(max_states)
    try:
        builder.sequence(list(parsed.data), parsed.state.flags)
    except RecursionError:
        raise _too_deep() from None
    builder.emit(MATCH)
    return builder.program


class _Builder:
    def __init__(self, max_states: int) -> None:
        self.program = Program()
        self.max_states = max_states
        self.predicate_index: dict[str, int] = {}

    def emit(self, op: int, first: int = 0, second: int = 0) -> int:
        program = self.program
        if len(program.ops) >= self.max_states:
            raise RegexRefused(
                f"more than {self.max_states:,} states",
                f"regex is too large to match in bounded time: its automaton has more than {self.max_states:,} "
                "states once its counted repeats are written out (`x{1,5000}` is 5,000 copies of `x`); use smaller "
                "counts, or bound the length with `min_length` / `max_length`",
            )
        program.ops.append(op)
        program.first.append(first)
        program.second.append(second)
        return len(program.ops) - 1

    def here(self) -> int:
        return len(self.program.ops)

    def sequence(self, items: list[tuple[Any, Any]], flags: int) -> None:
        for op, av in items:
            self.item(op, av, flags)

    def item(self, op: Any, av: Any, flags: int) -> None:
        if op in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN):
            self.emit(CHAR, self.predicate(_one_character(op, av, flags)))
        elif op == _sre.AT:
            condition = _condition(av, flags)
            self.program.conditions |= 1 << condition
            self.emit(ASSERT, condition)
        elif op == _sre.SUBPATTERN:
            _group, add_flags, del_flags, body = av
            if add_flags & _TYPE_FLAGS:
                flags = (flags & ~_TYPE_FLAGS) | _SCOPED_TYPE
            self.sequence(list(body), (flags | add_flags) & ~del_flags)
        elif op == _sre.BRANCH:
            self.branch([list(branch) for branch in av[1]], flags)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            self.repeat(av[0], av[1], list(av[2]), flags)
        else:
            raise _not_linear(*UNSUPPORTED.get(op, (f"the construct {op}", str(op))))

    def predicate(self, source: str) -> int:
        index = self.predicate_index.get(source)
        if index is None:
            index = self.predicate_index[source] = len(self.program.predicates)
            self.program.predicates.append(source)
        return index

    def branch(self, branches: list[list[tuple[Any, Any]]], flags: int) -> None:
        program, jumps = self.program, []
        for branch in branches[:-1]:
            split = self.emit(SPLIT, self.here() + 1)
            self.sequence(branch, flags)
            jumps.append(self.emit(JMP))
            program.second[split] = self.here()
        self.sequence(branches[-1], flags)
        for jump in jumps:
            program.first[jump] = self.here()

    def repeat(self, low: int, high: int, body: list[tuple[Any, Any]], flags: int) -> None:
        """``low`` copies of ``body``, then a loop (``high`` unbounded) or ``high - low`` optional copies, nested:
        ``x{0,2}`` is ``(x(x)?)?``, one way per count. A body that writes no instruction (``(?:)``) is not
        repeated: copies of nothing would only cost time."""
        program = self.program
        for copy in range(low):
            before = self.here()
            self.sequence(body, flags)
            if copy == 0 and self.here() == before:
                return
        if high == low:
            return
        splits = []
        for _ in range(1 if high == _sre.MAXREPEAT else high - low):
            split = self.emit(SPLIT, self.here() + 1)
            self.sequence(body, flags)
            if self.here() == split + 1:  # the body writes nothing: drop the split, the repeat is empty
                for column in (program.ops, program.first, program.second):
                    column.pop()
                break
            splits.append(split)
        if high == _sre.MAXREPEAT and splits:
            self.emit(JMP, splits[0])
        for split in splits:
            program.second[split] = self.here()


def _one_character(op: Any, av: Any, flags: int) -> str:
    """The one-character pattern that reads what ``op av`` reads, with the flags in force there."""
    prefix = "".join(letter for bit, letter in ((_IGNORECASE, "i"), (_DOTALL, "s"), (_ASCII, "a")) if flags & bit)
    prefix = f"(?{prefix})" if prefix else ""
    if op == _sre.ANY:
        return prefix + "."
    if op == _sre.LITERAL:
        return prefix + _escaped(av)
    if op == _sre.NOT_LITERAL:
        return f"{prefix}[^{_escaped(av)}]"
    if flags & _SCOPED_TYPE:  # re: under (?a:...), neither \D nor \d matches '٣', neither \W nor \w 'É'
        raise RegexRefused(
            "a class in a scoped (?a:...)",
            "regex uses a class (\\d, \\w, \\s, [...]) inside a scoped (?a:...) or (?u:...) flag, which Python's re "
            "reads inconsistently (there, neither \\d nor \\D matches '٣'): put the flag at the start of the "
            "pattern, `(?a)...`",
        )
    parts = []
    for item_op, item_av in av:
        if item_op == _sre.NEGATE:
            parts.append("^")
        elif item_op == _sre.LITERAL:
            parts.append(_escaped(item_av))
        elif item_op == _sre.RANGE:
            parts.append(f"{_escaped(item_av[0])}-{_escaped(item_av[1])}")
        elif item_op == _sre.CATEGORY and item_av in _CATEGORIES:
            parts.append(_CATEGORIES[item_av])
        else:
            raise _not_linear(f"the class item {item_op}", str(item_av))
    return f"{prefix}[{''.join(parts)}]"


def _escaped(code: int) -> str:
    return f"\\U{code:08x}"


_CONDITIONS = {
    _sre.AT_BEGINNING: (BEGIN, BEGIN_LINE),
    _sre.AT_BEGINNING_STRING: (BEGIN, BEGIN),
    _sre.AT_END: (END, END_LINE),
    _sre.AT_END_STRING: (END_STRING, END_STRING),
}


def _condition(code: Any, flags: int) -> int:
    """The condition of an anchor as ``re`` compiles it under ``flags`` (``^ $`` by ``MULTILINE``, ``\\b \\B``
    by ``ASCII``)."""
    if code == _sre.AT_BOUNDARY:
        return ASCII_WORD_EDGE if flags & _ASCII else WORD_EDGE
    if code == _sre.AT_NON_BOUNDARY:
        return ASCII_NOT_WORD_EDGE if flags & _ASCII else NOT_WORD_EDGE
    if code in _CONDITIONS:
        return _CONDITIONS[code][1 if flags & _MULTILINE else 0]
    raise _not_linear(f"the anchor {code}", str(code))


def _too_deep() -> RegexRefused:
    return RegexRefused("groups nested too deeply", "regex nests groups too deeply to be read: flatten it")
