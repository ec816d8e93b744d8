"""Regexes matched in time linear in the text: a lazily built DFA over a Thompson automaton, with a bounded cache.

``re`` backtracks: it tries the ways a pattern can match one after the other, so ``(a|aa)+`` takes exponential
time and ``\\d+\\d+\\d+$`` cubic time on a text that almost matches, inside C code that holds the GIL (no budget
can stop it). :class:`LinearRegex` reads the text once, left to right, keeping the *set* of automaton states that
the text so far can reach (``regex_program``): each character costs at most one pass over the automaton, whatever
the pattern, so a match takes at most ``len(text) x states`` steps, and it runs in Python bytecode, where the
engine's budget can abandon it.

Each set of states met becomes a DFA state, built once and remembered with its transitions (by character), so a
text costs about one dictionary look-up per character. The cache is bounded (:data:`MAX_DFA_STATES` states,
:data:`MAX_CACHED_STATES` automaton states in all, :data:`MAX_TRANSITIONS` transitions): once full, the sets are
computed afresh at each character and not kept (the plain NFA simulation, still linear), and the next match starts
from an empty cache.

Anchors and ``\\b`` read the context of a position: whether it is the start, whether the character before is a
newline or a word character (kept in the DFA state), and the character after (the one the transition reads; the
end is its own case). Semantics are those of ``re.fullmatch`` / ``re.search`` (as a yes/no answer) for every
pattern ``regex_program`` accepts, Python 3.10 to 3.13, ``\\B`` on an empty text included (it does not match there
before Python 3.14).

Stdlib-only: embedded verbatim into every built plugin.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

from kili_rules.runtime import regex_program as rp
from kili_rules.runtime.regex_program import RegexRefused, compile_program

#: Bounds of one automaton's cache (a few MB at most): DFA states, automaton states held by their kernels and
#: closures in all, transitions, and answers of predicates remembered by character.
MAX_DFA_STATES = 1_000
MAX_CACHED_STATES = 100_000
MAX_TRANSITIONS = 20_000
MAX_ANSWERS = 50_000

_AT_START, _AFTER_NEWLINE, _AFTER_WORD, _AFTER_ASCII_WORD = 1, 2, 4, 8
_EMPTY_NOT_WORD_EDGE = sys.version_info >= (3, 14)  # \B matches an empty text from Python 3.14 (gh-124130)
_WORD = re.compile(r"\w").match
_ASCII_WORD = re.compile(r"(?a)\w").match


class LinearRegex:
    """A pattern compiled for :meth:`fullmatch` and :meth:`search` (yes or no) in time linear in the text.
    Raises ``re.error`` on a pattern Python does not parse and :class:`RegexRefused` on one outside the linear
    subset (backreferences, lookarounds, conditionals, possessive repeats, atomic groups, over ``max_states``)."""

    __slots__ = ("_full", "_search", "pattern", "program")

    def __init__(self, pattern: str, max_states: int = rp.MAX_STATES) -> None:
        self.pattern = pattern
        self.program = compile_program(pattern, max_states)
        self._full: _Automaton | None = None
        self._search: _Automaton | None = None

    def fullmatch(self, text: str) -> bool:
        """Whether the whole of ``text`` matches, as ``re.fullmatch(pattern, text) is not None``."""
        if self._full is None:
            self._full = _Automaton(self.program, search=False)
        return self._full.run(text)

    def search(self, text: str) -> bool:
        """Whether some part of ``text`` matches, as ``re.search(pattern, text) is not None``."""
        if self._search is None:
            self._search = _Automaton(self.program, search=True)
        return self._search.run(text)

    def cache(self, search: bool = False) -> dict[str, int]:
        """How much the DFA of :meth:`fullmatch` (``search``: of :meth:`search`) holds: ``dfa_states``,
        ``cached_states`` (automaton states in their kernels and closures), ``transitions``, ``full`` (1 when a
        bound was reached since the last reset), and ``visited``: the instructions its closures have visited since
        it was made (the work of a match beyond one dictionary look-up per character)."""
        automaton = self._search if search else self._full
        if automaton is None:
            return {"dfa_states": 0, "cached_states": 0, "transitions": 0, "full": 0, "visited": 0}
        return {
            "dfa_states": len(automaton.states),
            "cached_states": automaton.cached_states,
            "transitions": automaton.transitions,
            "full": int(automaton.full),
            "visited": automaton.visited,
        }

    def __repr__(self) -> str:
        return f"LinearRegex({self.pattern!r})"


class _State:
    """A DFA state: the automaton states reached (``kernel``, before following jumps) and what the last
    character was (``context``); its transitions by character, its closures by condition set."""

    __slots__ = ("after_last", "closures", "context", "ends", "kept", "kernel", "next", "stop")

    def __init__(self, kernel: frozenset[int], context: int, kept: bool, stop: bool = False) -> None:
        self.kernel, self.context, self.kept, self.stop = kernel, context, kept, stop
        self.next: dict[str, _State] = {}
        self.after_last: dict[str, _State] = {}
        self.closures: dict[int, tuple[list[tuple[int, list[int]]], bool]] = {}
        self.ends: bool | None = None


class _Automaton:
    """The lazily built DFA of one program, for a full match (``search`` False) or a search."""

    def __init__(self, program: rp.Program, search: bool) -> None:
        self.program = program
        self.search = search
        self.predicates: list[Callable[[str], object]] = [re.compile(p).match for p in program.predicates]
        uses = program.conditions
        self.needs_last = bool(uses & (1 << rp.END))
        self.kept_context = (
            (_AT_START if uses else 0)
            | (_AFTER_NEWLINE if uses & (1 << rp.BEGIN_LINE) else 0)
            | (_AFTER_WORD if uses & (1 << rp.WORD_EDGE | 1 << rp.NOT_WORD_EDGE) else 0)
            | (_AFTER_ASCII_WORD if uses & (1 << rp.ASCII_WORD_EDGE | 1 << rp.ASCII_NOT_WORD_EDGE) else 0)
        )
        self.reset()

    def reset(self) -> None:
        self.visited = getattr(self, "visited", 0)  # instructions visited by closures since the automaton was made
        self.states: dict[tuple[frozenset[int], int], _State] = {}
        self.cached_states = 0
        self.transitions = 0
        self.full = False
        self.answers: dict[str, dict[int, bool]] = {}
        self.remembered_answers = 0
        self.matched = _State(frozenset(), 0, kept=True, stop=True)
        self.start = self.state(frozenset({0}), _AT_START & self.kept_context)

    def run(self, text: str) -> bool:
        """Whether ``text`` (all of it, or some part when searching) matches."""
        if self.full:
            self.reset()
        state, step = self.start, self.step
        body = text[:-1] if self.needs_last else text
        for char in body:
            state = state.next.get(char) or step(state, char, False)
            if state.stop:
                return state is self.matched
        if self.needs_last and text:
            char = text[-1]
            state = state.after_last.get(char) or step(state, char, True)
            if state.stop:
                return state is self.matched
        return self.accepts_at_end(state)

    def state(self, kernel: frozenset[int], context: int) -> _State:
        """The DFA state of ``kernel`` after a character of ``context``: the cached one, else a new one (kept in
        the cache while it has room)."""
        key = (kernel, context)
        found = self.states.get(key)
        if found is not None:
            return found
        dead = not kernel
        if self.cached_states + len(kernel) > MAX_CACHED_STATES or len(self.states) >= MAX_DFA_STATES:
            self.full = True
            return _State(kernel, context, kept=False, stop=dead)
        state = self.states[key] = _State(kernel, context, kept=True, stop=dead)
        self.cached_states += len(kernel)
        return state

    def step(self, state: _State, char: str, last: bool) -> _State:
        """The state after reading ``char`` (``last``: the text's last character), remembered when there is room."""
        chars, matched = self.closure(state, self.conditions(state.context, char, last))
        if matched and self.search:
            target = self.matched
        else:
            kernel = self.read(chars, char)
            if self.search:
                kernel.add(0)
            target = self.state(frozenset(kernel), self.context_after(char))
        if state.kept and target.kept and self.transitions < MAX_TRANSITIONS:
            (state.after_last if last and self.needs_last else state.next)[char] = target
            self.transitions += 1
        elif state.kept:
            self.full = True
        return target

    def accepts_at_end(self, state: _State) -> bool:
        """Whether ``state`` matches at the end of the text."""
        if state.ends is None:
            state.ends = self.closure(state, self.conditions(state.context, None, True))[1]
        return state.ends

    def closure(self, state: _State, conditions: int) -> tuple[list[tuple[int, list[int]]], bool]:
        """The ``CHAR`` instructions reachable from ``state``'s kernel through jumps and the conditions that
        hold, grouped by predicate as ``(predicate, the instructions after them)``, and whether ``MATCH`` is
        reachable (remembered by condition set while the cache has room)."""
        found = state.closures.get(conditions)
        if found is not None:
            return found
        ops, first, second = self.program.ops, self.program.first, self.program.second
        seen: set[int] = set()
        stack = list(state.kernel)
        groups: dict[int, list[int]] = {}
        matched = False
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            op = ops[pc]
            if op == rp.CHAR:
                successors = groups.get(first[pc])
                if successors is None:
                    groups[first[pc]] = [pc + 1]
                else:
                    successors.append(pc + 1)
            elif op == rp.SPLIT:
                stack += (second[pc], first[pc])
            elif op == rp.JMP:
                stack.append(first[pc])
            elif op == rp.ASSERT:
                if conditions >> first[pc] & 1:
                    stack.append(pc + 1)
            else:
                matched = True
        found = (list(groups.items()), matched)
        self.visited += len(seen)
        if state.kept and self.cached_states + len(seen) <= MAX_CACHED_STATES:
            state.closures[conditions] = found
            self.cached_states += len(seen)
        elif state.kept:
            self.full = True
        return found

    def read(self, groups: list[tuple[int, list[int]]], char: str) -> set[int]:
        """The instructions after those of ``groups`` whose predicate accepts ``char``. Each predicate is asked
        once per character while there is room to remember its answer."""
        answers = self.answers.get(char)
        if answers is None:
            answers = {}
            if self.remembered_answers < MAX_ANSWERS:
                self.answers[char] = answers
        predicates = self.predicates
        kernel: set[int] = set()
        for index, successors in groups:
            accepted = answers.get(index)
            if accepted is None:
                accepted = answers[index] = predicates[index](char) is not None
                self.remembered_answers += 1
            if accepted:
                kernel.update(successors)
        return kernel

    def context_after(self, char: str) -> int:
        """What a DFA state keeps of the character just read."""
        kept = self.kept_context
        if not kept & ~_AT_START:
            return 0
        context = _AFTER_NEWLINE if char == "\n" else 0
        if _WORD(char) is not None:
            context |= _AFTER_WORD
        if _ASCII_WORD(char) is not None:
            context |= _AFTER_ASCII_WORD
        return context & kept

    def conditions(self, context: int, char: str | None, last: bool) -> int:
        """The zero-width conditions that hold between a character of ``context`` and ``char`` (None: the end),
        as a bit set over ``regex_program.BEGIN`` ...; ``last``: ``char`` is the text's last character."""
        uses = self.program.conditions
        if not uses:
            return 0
        at_start = bool(context & _AT_START)
        holds = 0
        if at_start:
            holds |= 1 << rp.BEGIN | 1 << rp.BEGIN_LINE
        if context & _AFTER_NEWLINE:
            holds |= 1 << rp.BEGIN_LINE
        if char is None:
            holds |= 1 << rp.END | 1 << rp.END_LINE | 1 << rp.END_STRING
            word = ascii_word = False
        else:
            if char == "\n":
                holds |= 1 << rp.END_LINE | (1 << rp.END if last else 0)
            word, ascii_word = _WORD(char) is not None, _ASCII_WORD(char) is not None
        empty = at_start and char is None
        for before, after, edge, not_edge in (
            (bool(context & _AFTER_WORD), word, rp.WORD_EDGE, rp.NOT_WORD_EDGE),
            (bool(context & _AFTER_ASCII_WORD), ascii_word, rp.ASCII_WORD_EDGE, rp.ASCII_NOT_WORD_EDGE),
        ):
            if before != after:
                holds |= 1 << edge
            elif not empty or _EMPTY_NOT_WORD_EDGE:
                holds |= 1 << not_edge
        return holds & uses


__all__ = ["LinearRegex", "RegexRefused"]
