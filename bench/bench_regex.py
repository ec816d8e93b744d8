"""Benchmark: the plugin's linear-time regex matcher against Python's `re`, on patterns that hang `re`, in one run.

    python bench/bench_regex.py            # re capped at 5 s per match
    python bench/bench_regex.py --cap 30   # a longer cap

For each pattern, a text that matches and one that does not (10,000 characters, the default `regex_max_text`;
a pattern that cannot match that many, its longest match), both written by hand. The linear matcher
(`kili_rules.runtime.linear_regex`, the module the plugin embeds byte for byte) is timed cold, as the plugin's
first event meets the pattern (compile, build the DFA states, match: best of 5 fresh compiles) and warm (the
same object again: best of 5). `re.fullmatch` runs in a subprocess killed at the cap (it holds the GIL: nothing
else could stop it), so a hang shows as "> cap". Both must give the same answer when `re` finishes, or the
benchmark stops. Ratio = `re` / linear cold (how many times faster the linear matcher is; "> N×" when `re` hit
the cap). Also: how long the load-time check (`regex_safety.catastrophic_part`) takes on each pattern.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from kili_rules.authoring.regex_safety import catastrophic_part
from kili_rules.runtime.linear_regex import LinearRegex

N = 10_000
#: pattern -> (a text that matches, one that does not); what measured on main hung re past Kili's 60 s
CASES = {
    r"\d+\d+\d+$": ("1" * N, "1" * (N - 1) + "x"),
    r"\w+\s*\w+\s*\w+": ("a" * N, "a" * (N - 1) + "!"),
    r"\d+\s*\d+\s*\d+": ("1" * N, "1" * (N - 1) + "x"),
    r".*.*.*=.*": ("x" * 5_000 + "=" + "x" * (N - 5_001), "x" * N),
    r"(a?){25}a{25}": ("a" * 50, "a" * (N - 1) + "!"),
    r"(a|aa)+": ("a" * N, "a" * (N - 1) + "!"),
    r"(a|a|(?:(?:(?:(?:(?:b{4}){4}){4}){4}){4}){4})*$": ("a" * (N - 4_096) + "b" * 4_096, "a" * (N - 1) + "!"),
    r"\w?" * 110 + r"(\d+\s?)+$": ("1 " * (N // 2), "1 " * (N // 2 - 1) + "!!"),
    r"FR\d{2}[0-9A-Z ]{10,30}": ("FR76 3000 6000 0112 3456 7890 189", "FR76" + "3" * (N - 4)),
}
REPEATS = 5
_RE_CHILD = (
    "import re, sys, time\n"
    "pattern, text = sys.stdin.read().split('\\0')\n"
    "compiled = re.compile(pattern)\n"
    "start = time.perf_counter()\n"
    "found = compiled.fullmatch(text) is not None\n"
    "print(found, time.perf_counter() - start)\n"
)


def linear_times(pattern: str, text: str) -> tuple[bool, float, float]:
    """The answer, the best cold time (compile + match) and the best warm time, in seconds."""
    cold = warm = float("inf")
    answer = False
    for _ in range(REPEATS):
        start = time.perf_counter()
        regex = LinearRegex(pattern)
        answer = regex.fullmatch(text)
        cold = min(cold, time.perf_counter() - start)
        start = time.perf_counter()
        regex.fullmatch(text)
        warm = min(warm, time.perf_counter() - start)
    return answer, cold, warm


def re_time(pattern: str, text: str, cap: float) -> tuple[bool | None, float | None]:
    """``re.fullmatch``'s answer and time in a subprocess, or (None, None) when it ran past ``cap`` seconds."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _RE_CHILD], input=f"{pattern}\0{text}", capture_output=True, text=True, timeout=cap
        )
    except subprocess.TimeoutExpired:
        return None, None
    found, seconds = done.stdout.split()
    return found == "True", float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=5.0, help="seconds before re's subprocess is killed")
    cap = parser.parse_args().cap
    print(f"Python {sys.version.split()[0]}; re capped at {cap:g} s\n")
    print("| pattern | text | answer | linear, cold (ms) | linear, warm (ms) | `re` | ratio | check (ms) |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for pattern, texts in CASES.items():
        start = time.perf_counter()
        hazard = catastrophic_part(pattern)
        check = (time.perf_counter() - start) * 1000
        if hazard is not None:
            sys.exit(f"{pattern}: refused at load ({hazard.part})")
        for text in texts:
            answer, cold, warm = linear_times(pattern, text)
            found, seconds = re_time(pattern, text, cap)
            if found is not None and found != answer:
                sys.exit(f"{pattern!r} on {text[:20]!r}...: re says {found}, the linear matcher {answer}")
            shown = (
                f"`{pattern}`" if len(pattern) <= 50 else f"`{pattern[:24]}...{pattern[-20:]}` ({len(pattern)} chars)"
            )
            re_shown = f"> {cap:g} s" if seconds is None else f"{seconds * 1000:,.1f} ms"
            ratio = f"> {cap / cold:,.0f}×" if seconds is None else f"{seconds / cold:,.2f}×"
            print(
                f"| {shown} | {len(text):,} chars | {'match' if answer else 'no match'} | {cold * 1000:,.2f} | "
                f"{warm * 1000:,.2f} | {re_shown} | {ratio} | {check:,.2f} |"
            )


if __name__ == "__main__":
    main()
