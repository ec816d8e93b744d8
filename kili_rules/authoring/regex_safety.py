"""Regexes that can take exponential time in Python's backtracking ``re``, found before they reach a plugin.

``re`` tries the ways a pattern can match one after the other; when a repeated part can match the same text in
several ways (nested quantifiers: ``(a+)+``, ``(\\w+\\s?)*``, ``(a{1,3})+``; overlapping alternatives under a
repeat: ``(a|a)*``, ``(a|aa)+``), a text that almost matches makes it try exponentially many: 25 characters take
seconds, 40 take days, and no other thread can stop a running match (it holds the GIL).

The check is exact for the patterns it models: the pattern becomes a Thompson automaton whose paths are the ways
``re`` can match (an epsilon path that ``re`` could take twice counts twice), and a repeat is refused when it has
*exponential degree of ambiguity*: some state can loop back to itself on the same text along two different paths
(Weber and Seidl's criterion, checked on the automaton paired with itself). Character classes are compared on an
alphabet made of ASCII, the pattern's own characters and range ends, and a few non-ASCII letters, digits and
spaces, so overlaps such as ``\\d`` within ``\\w`` are seen. The tree is the one ``re`` compiles: alternatives of
single characters (``(\\d|\\w)+``) are merged by ``re`` into one class and match in linear time, so they pass.
Backreferences read as any one character; lookarounds are checked on their own. Counted repeats with large bounds
are modelled as unbounded (``x{2,50}`` as ``x{2,}``), possessive repeats and atomic groups like ordinary ones
(they exist only in Python >= 3.11, where the plugin may not run). Polynomial blow-ups (``.*.*=.*``) are not
reported. A pattern too large to model within a budget is accepted.

Authoring-time only: the plugin does not embed this module.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

try:  # Python >= 3.11
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as sre  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

#: Counted repeats up to this many copies are modelled exactly; above, as unbounded.
MAX_COPIES = 4
#: The most automaton states and epsilon steps one check may use before it accepts the pattern unchecked.
BUDGET = 20_000
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))
_SAMPLES = "\u00e9\u4e2d\u0663\u00a0\u2003\u20ac\U0001f600"  # é, 中, Arabic-Indic 3, nbsp, em space, €, emoji
_CATEGORIES = {
    sre.CATEGORY_DIGIT: re.compile(r"\d"),
    sre.CATEGORY_NOT_DIGIT: re.compile(r"\D"),
    sre.CATEGORY_SPACE: re.compile(r"\s"),
    sre.CATEGORY_NOT_SPACE: re.compile(r"\S"),
    sre.CATEGORY_WORD: re.compile(r"\w"),
    sre.CATEGORY_NOT_WORD: re.compile(r"\W"),
}


@dataclass(frozen=True)
class RegexHazard:
    """A repeated part of a pattern that can match the same text in several ways."""

    part: str

    def message(self) -> str:
        """What is wrong and what to do, in one sentence."""
        return (
            f"regex part {self.part} can match the same text in several ways (nested quantifiers or overlapping "
            "alternatives under a repeat), so a long text that does not match makes the check run for hours: "
            "rewrite it so each repeated piece can match a text one way only (`(a+)+` -> `a+`, `(\\w+\\s?)*` -> "
            "`\\w+(\\s\\w+)*`, `(a|aa)+` -> `a+`); possessive quantifiers and atomic groups need Python >= 3.11"
        )


def catastrophic_part(pattern: str, flags: int = 0) -> RegexHazard | None:
    """The innermost repeat of ``pattern`` that can take exponential time, or None. Never raises on a pattern
    that ``re.compile`` accepts (None for one it refuses: that is reported as an invalid regex)."""
    with warnings.catch_warnings():  # re's FutureWarnings were shown when the pattern was compiled
        warnings.simplefilter("ignore")
        return _catastrophic_part(pattern, flags)


def _catastrophic_part(pattern: str, flags: int) -> RegexHazard | None:
    try:
        parsed = sre_parse.parse(pattern, flags)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    global_flags = parsed.state.flags
    try:
        alphabet = _alphabet(parsed)
        for node, node_flags in _repeats(list(parsed), global_flags):
            if _Automaton(alphabet, node_flags).exponential([node]):
                return RegexHazard(_source_of(pattern, node, global_flags) or _unparse([node]))
    except (_OverBudget, RecursionError):
        return None
    return None


#: Patterns longer than this are named by their parse tree written back, not by their own text.
MAX_SEARCHED_LENGTH = 400


def _source_of(pattern: str, node: tuple[Any, Any], flags: int) -> str | None:
    """The shortest text of ``pattern`` that ends with a quantifier and parses to ``node`` (None if none does)."""
    if len(pattern) > MAX_SEARCHED_LENGTH:
        return None
    wanted = _shape([node])
    ends = [j + 1 for j, char in enumerate(pattern) if char in "*+?}"]
    for end in ends:
        for begin in range(end - 1, -1, -1):
            try:
                parsed = sre_parse.parse(pattern[begin:end], flags)
            except (re.error, RecursionError, OverflowError, ValueError):
                continue
            if _shape(list(parsed)) == wanted:
                return pattern[begin:end]
    return None


def _shape(items: list[tuple[Any, Any]]) -> tuple[Any, ...]:
    """A parse tree without its group numbers, to compare fragments parsed apart."""
    shaped = []
    for op, av in items:
        if op == sre.SUBPATTERN:
            shaped.append((str(op), av[1], av[2], _shape(list(av[3]))))
        elif op in _REPEATS:
            shaped.append((str(op), av[0], av[1], _shape(list(av[2]))))
        elif op == sre.BRANCH:
            shaped.append((str(op), tuple(_shape(list(b)) for b in av[1])))
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            shaped.append((str(op), av[0], _shape(list(av[1]))))
        elif op in (sre.IN, getattr(sre, "ATOMIC_GROUP", None)):
            shaped.append((str(op), _shape(list(av))))
        elif op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
            shaped.append((str(op),))
        else:
            shaped.append((str(op), str(av)))
    return tuple(shaped)


class _OverBudget(Exception):
    """The pattern is too large to check within :data:`BUDGET`."""


def _repeats(items: list[tuple[Any, Any]], flags: int) -> Iterator[tuple[tuple[Any, Any], int]]:
    """Every repeat that can run more than once, innermost first, with the flags in force there."""
    for op, av in items:
        if op == sre.SUBPATTERN:
            yield from _repeats(list(av[3]), (flags | av[1]) & ~av[2])
        elif op in _REPEATS:
            yield from _repeats(list(av[2]), flags)
            if av[1] > 1:
                yield (op, av), flags
        elif op == sre.BRANCH:
            for branch in av[1]:
                yield from _repeats(list(branch), flags)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            yield from _repeats(list(av[1]), flags)
        elif op == getattr(sre, "ATOMIC_GROUP", None):
            yield from _repeats(list(av), flags)
        elif op == sre.GROUPREF_EXISTS:
            yield from _repeats(list(av[1]), flags)
            if av[2] is not None:
                yield from _repeats(list(av[2]), flags)


def _alphabet(parsed: Any) -> str:
    """ASCII, a few non-ASCII samples, and every character the pattern names (range ends included): two classes
    of the pattern share a character exactly when they share one of these."""
    chars = {chr(c) for c in range(128)} | set(_SAMPLES)
    stack = [list(parsed)]
    while stack:
        for op, av in stack.pop():
            if op in (sre.LITERAL, sre.NOT_LITERAL):
                chars.add(chr(av))
            elif op == sre.RANGE:
                chars.update((chr(av[0]), chr(av[1])))
            elif isinstance(av, (list, tuple)):
                stack.extend(_children(op, av))
    for char in list(chars):
        chars.update((char.lower(), char.upper(), char.swapcase()))
    return "".join(sorted(c for c in chars if len(c) == 1))


def _children(op: Any, av: Any) -> Iterator[list[tuple[Any, Any]]]:
    if op == sre.IN:
        yield list(av)
    elif op == sre.SUBPATTERN:
        yield list(av[3])
    elif op in _REPEATS:
        yield list(av[2])
    elif op == sre.BRANCH:
        yield from (list(branch) for branch in av[1])
    elif op in (sre.ASSERT, sre.ASSERT_NOT):
        yield list(av[1])
    elif op == getattr(sre, "ATOMIC_GROUP", None):
        yield list(av)
    elif op == sre.GROUPREF_EXISTS:
        yield from (list(b) for b in av[1:] if b is not None)


@dataclass
class _Automaton:
    """A Thompson automaton of a pattern fragment: character edges carry a bit set over the alphabet."""

    alphabet: str
    flags: int
    epsilon: list[list[int]] = field(default_factory=list)
    edges: list[list[tuple[int, int]]] = field(default_factory=list)

    def state(self) -> int:
        if len(self.epsilon) >= BUDGET:
            raise _OverBudget
        self.epsilon.append([])
        self.edges.append([])
        return len(self.epsilon) - 1

    def exponential(self, items: list[tuple[Any, Any]]) -> bool:
        """Whether the fragment ``items`` has exponential degree of ambiguity."""
        start = self.state()
        self.build(items, start, self.flags)
        return _has_ambiguous_loop(self._routes(), start)

    def build(self, items: list[tuple[Any, Any]], state: int, flags: int) -> int:
        """Add ``items`` after ``state``; return the state where they end."""
        for op, av in items:
            state = self.build_one(op, av, state, flags)
        return state

    def build_one(self, op: Any, av: Any, state: int, flags: int) -> int:
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN):
            end = self.state()
            self.edges[state].append((self._mask(op, av, flags), end))
            return end
        if op == sre.GROUPREF:  # a backreference: read as one character of any kind
            end = self.state()
            self.edges[state].append(((1 << len(self.alphabet)) - 1, end))
            return end
        if op == sre.SUBPATTERN:
            return self.build(list(av[3]), state, (flags | av[1]) & ~av[2])
        if op == getattr(sre, "ATOMIC_GROUP", None):
            return self.build(list(av), state, flags)
        if op == sre.BRANCH:
            return self._branch([list(branch) for branch in av[1]], state, flags)
        if op == sre.GROUPREF_EXISTS:
            return self._branch([list(av[1]), list(av[2]) if av[2] is not None else []], state, flags)
        if op in _REPEATS:
            return self._repeat(av[0], av[1], list(av[2]), state, flags)
        return state  # anchors, lookarounds (checked on their own): they read nothing

    def _branch(self, branches: list[list[tuple[Any, Any]]], state: int, flags: int) -> int:
        end = self.state()
        for branch in branches:
            begin = self.state()
            self.epsilon[state].append(begin)
            self.epsilon[self.build(branch, begin, flags)].append(end)
        return end

    def _repeat(self, low: int, high: int, body: list[tuple[Any, Any]], state: int, flags: int) -> int:
        if high > MAX_COPIES:
            low, high = min(low, MAX_COPIES), sre.MAXREPEAT
        for _ in range(low):
            state = self.build(body, state, flags)
        if high == sre.MAXREPEAT:  # in -> (entry -> body -> entry again, or out) or out: one path per choice
            entry, out = self.state(), self.state()
            self.epsilon[state] += [entry, out]
            body_end = self.build(body, entry, flags)
            self.epsilon[body_end] += [entry, out]
            return out
        out = self.state()
        for _ in range(high - low):  # x{0,2} as (x(x)?)?: one way to match each count
            self.epsilon[state].append(out)
            state = self.build(body, state, flags)
        self.epsilon[state].append(out)
        return out

    def _mask(self, op: Any, av: Any, flags: int) -> int:
        ignore_case = bool(flags & re.IGNORECASE)
        dot_all = bool(flags & re.DOTALL)
        mask = 0
        for index, char in enumerate(self.alphabet):
            if _accepts(op, av, char, ignore_case, dot_all):
                mask |= 1 << index
        return mask

    def _routes(self) -> list[list[tuple[int, int, int]]]:
        """For each state, its routes: ``(mask, target, route id)`` for each character edge followed by each
        distinct epsilon path (no state twice, as ``re`` stops a repeat that matched nothing) to a state with
        character edges. A target reached along two epsilon paths is there twice, with different ids."""
        routes: list[list[tuple[int, int, int]]] = [[] for _ in self.edges]
        counter = 0
        steps = 0
        for source, edges in enumerate(self.edges):
            for mask, target in edges:
                for reached in self._epsilon_paths(target):
                    steps += 1
                    if steps > BUDGET:
                        raise _OverBudget
                    routes[source].append((mask, reached, counter))
                    counter += 1
        return routes

    def _epsilon_paths(self, origin: int) -> Iterator[int]:
        """The end of each distinct epsilon path from ``origin`` to a state with character edges (at most two per
        end: a third adds nothing to the check)."""
        found: dict[int, int] = {}
        stack: list[tuple[int, frozenset[int]]] = [(origin, frozenset({origin}))]
        steps = 0
        while stack:
            state, seen = stack.pop()
            steps += 1
            if steps > BUDGET:
                raise _OverBudget
            if self.edges[state] and found.get(state, 0) < 2:
                found[state] = found.get(state, 0) + 1
                yield state
            for following in self.epsilon[state]:
                if following not in seen and found.get(following, 0) < 2:
                    stack.append((following, seen | {following}))


def _accepts(op: Any, av: Any, char: str, ignore_case: bool, dot_all: bool) -> bool:
    """Whether the one-character item ``op av`` matches ``char``."""
    if op == sre.ANY:
        return dot_all or char != "\n"
    if op in (sre.LITERAL, sre.NOT_LITERAL):
        equal = chr(av) == char or (ignore_case and chr(av).lower() == char.lower())
        return equal if op == sre.LITERAL else not equal
    negate = bool(av) and av[0][0] == sre.NEGATE
    found = any(_in_item(item_op, item_av, char, ignore_case) for item_op, item_av in av if item_op != sre.NEGATE)
    return found != negate


def _in_item(op: Any, av: Any, char: str, ignore_case: bool) -> bool:
    chars = {char, char.lower(), char.upper()} if ignore_case else {char}
    if op == sre.LITERAL:
        return chr(av) in chars
    if op == sre.RANGE:
        return any(av[0] <= ord(c) <= av[1] for c in chars if len(c) == 1)
    if op == sre.CATEGORY:
        category = _CATEGORIES.get(av)
        return category is not None and category.match(char) is not None
    return True  # anything else in a class (RANGE_UNI_IGNORE, ...): assume it may match


def _has_ambiguous_loop(routes: list[list[tuple[int, int, int]]], start: int) -> bool:
    """Weber and Seidl: some state ``p`` goes back to ``p`` on one text along two different paths. In the
    automaton paired with itself, that is a strongly connected part holding a pair ``(p, p)`` and a step whose
    two routes differ."""
    firsts = [start, *(target for edges in routes for _, target, _ in edges)]
    nodes: dict[tuple[int, int], list[tuple[tuple[int, int], bool]]] = {}
    stack = [(p, p) for p in dict.fromkeys(firsts)]
    while stack:
        pair = stack.pop()
        if pair in nodes:
            continue
        if len(nodes) > BUDGET:
            raise _OverBudget
        successors = []
        for mask_a, target_a, id_a in routes[pair[0]]:
            for mask_b, target_b, id_b in routes[pair[1]]:
                if mask_a & mask_b:
                    successors.append(((target_a, target_b), id_a != id_b))
        nodes[pair] = successors
        stack.extend(successor for successor, _ in successors if successor not in nodes)
    component = _components(nodes)
    with_a_pair = {component[(p, q)] for p, q in nodes if p == q}
    return any(
        diverging and component[pair] == component[successor] and component[pair] in with_a_pair
        for pair, successors in nodes.items()
        for successor, diverging in successors
    )


def _components(graph: dict[tuple[int, int], list[tuple[tuple[int, int], bool]]]) -> dict[tuple[int, int], int]:
    """Tarjan's strongly connected components, iteratively: ``{node: component number}``."""
    index: dict[tuple[int, int], int] = {}
    low: dict[tuple[int, int], int] = {}
    component: dict[tuple[int, int], int] = {}
    on_stack: set[tuple[int, int]] = set()
    stack: list[tuple[int, int]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            successors = graph[node]
            if position < len(successors):
                work.append((node, position + 1))
                successor = successors[position][0]
                if successor not in index:
                    work.append((successor, 0))
                elif successor in on_stack:
                    low[node] = min(low[node], index[successor])
                continue
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = index[node]
                    if member == node:
                        break
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return component


def _unparse(items: list[tuple[Any, Any]]) -> str:
    """A pattern fragment written back (``(a+)+``, ``(\\d|\\w)*``), to name it in a message."""
    return "".join(_unparse_one(op, av) for op, av in items)


def _unparse_one(op: Any, av: Any) -> str:
    if op == sre.LITERAL:
        return re.escape(chr(av))
    if op == sre.NOT_LITERAL:
        return f"[^{re.escape(chr(av))}]"
    if op == sre.ANY:
        return "."
    if op == sre.IN:
        return _unparse_class(av)
    if op == sre.SUBPATTERN:
        return f"({'' if av[0] else '?:'}{_unparse(list(av[3]))})"
    if op == sre.BRANCH:
        return f"(?:{'|'.join(_unparse(list(branch)) for branch in av[1])})"
    if op in _REPEATS:
        low, high, body = av
        quantifier = {(0, sre.MAXREPEAT): "*", (1, sre.MAXREPEAT): "+", (0, 1): "?"}.get((low, high))
        if quantifier is None:
            quantifier = f"{{{low},}}" if high == sre.MAXREPEAT else f"{{{low},{high}}}"
        inner = _unparse(list(body))
        single = len(body) == 1 and body[0][0] in (sre.LITERAL, sre.ANY, sre.IN, sre.SUBPATTERN)
        lazy = "?" if op == sre.MIN_REPEAT else "+" if op != sre.MAX_REPEAT else ""
        return f"{inner if single else f'(?:{inner})'}{quantifier}{lazy}"
    if op == sre.GROUPREF:
        return f"\\{av}"
    return ""


_CATEGORY_TEXT = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}


def _unparse_class(items: list[tuple[Any, Any]]) -> str:
    if len(items) == 1 and items[0][0] == sre.CATEGORY:
        return _CATEGORY_TEXT.get(items[0][1], ".")
    text = ""
    for op, av in items:
        if op == sre.NEGATE:
            text += "^"
        elif op == sre.LITERAL:
            text += re.escape(chr(av))
        elif op == sre.RANGE:
            text += f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}"
        elif op == sre.CATEGORY:
            text += _CATEGORY_TEXT.get(av, "")
    return f"[{text}]"


__all__ = ["RegexHazard", "catastrophic_part"]
