"""``kili-rules apply``: run the plugin's code path over a live project's existing labels (dry run by default)."""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path
from typing import TextIO

from kili_rules.authoring.loader import load_rule_set
from kili_rules.cli import _live

NAME = "apply"
HELP = (
    "run a rule set's plugin code over the existing labels of a live project: issues, send back, score"
    " (a dry run listing what would be done unless --yes; page by page; resumable, rate-limited)"
)
EXAMPLES = (
    "kili-rules apply rules/document.yaml --project ckxyz                # what would be created, solved, written\n"
    "  kili-rules apply rules/document.yaml --project ckxyz --yes --status LABELED --rate 5"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``kili-rules apply``."""
    parser.add_argument("rule_file", metavar="RULE_FILE")
    _live.add_connection_arguments(parser)
    parser.add_argument("--yes", action="store_true", help="act on Kili (default: a dry run, nothing is written)")
    parser.add_argument(
        "--status",
        action="append",
        choices=_live.LABEL_STATUSES,
        metavar="STATUS",
        help="only the assets in this status (repeatable)",
    )
    parser.add_argument("--event", choices=("submit", "review"), default="submit", help="the event to play")
    parser.add_argument(
        "--state",
        metavar="FILE",
        help="the assets already done, to continue an interrupted run "
        "(default: .kili-rules/apply/<project>-<rule set>.jsonl)",
    )
    parser.add_argument("--restart", action="store_true", help="ignore the state file: go over every asset again")
    parser.add_argument(
        "--rate",
        type=float,
        default=10.0,
        help="at most this many requests to Kili a second (default 10: 600 a minute at most, most runs far fewer; "
        "a dry run's writes are not sent and take none of it)",
    )
    parser.add_argument(
        "--page-size",
        type=_page_size,
        default=100,
        metavar="N",
        help="assets read, decided and written at once (default and most: 100, Kili's largest page)",
    )
    parser.add_argument(
        "--per-asset",
        action="store_true",
        help="run the plugin itself on each asset, as in Kili (about 4 requests an asset; the default goes page "
        "by page, with the same decisions)",
    )
    parser.add_argument("--verbose", action="store_true", help="the plugin's own log lines on stderr")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (it only shows on a terminal)")


def _page_size(text: str) -> int:
    size = int(text)
    if not 1 <= size <= 100:
        raise argparse.ArgumentTypeError(f"{size}: a page holds 1 to 100 assets")
    return size


class ApplyProgress:
    """One line on stderr (a terminal only), redrawn at most ten times a second: assets done of the total, assets
    a second and the time left at that pace."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.started = time.monotonic()
        self.drawn = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.enabled or (now - self.drawn < 0.1 and done < total):
            return
        self.drawn = now
        self.stream.write("\r" + progress_line(done, total, now - self.started) + " ")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()


def progress_line(done: int, total: int, seconds: float) -> str:
    """``1,200/20,000 assets  35 assets/s  ETA 8 min 57 s``."""
    rate = done / seconds if seconds > 0 else 0.0
    if rate > 0:
        left = round(max(total - done, 0) / rate)
        eta = f"{left // 3600} h {left % 3600 // 60:02d} min" if left >= 3600 else f"{left // 60} min {left % 60:02d} s"
    else:
        eta = "?"
    return f"{done:,}/{total:,} assets  {rate:,.0f} assets/s  ETA {eta}"


def run(args: argparse.Namespace) -> int:
    """Apply; exit 1 when the run was not complete: an asset failed or a page of the asset listing could not be read
    (a garbage answer, read twice), and the next run tries them again."""
    from kili_rules.generator.generate import content_hash, embedded_modules
    from kili_rules.live.apply import StateFile, apply_rules

    rule_set = load_rule_set(args.rule_file)
    logger = logging.getLogger("kili_rules.apply")
    logger.handlers[:] = []
    logger.propagate = False
    if args.verbose:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    else:
        logger.addHandler(logging.NullHandler())
    state = None
    if args.yes:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{args.project}-{rule_set.name}")
        path = Path(args.state) if args.state else Path(".kili-rules") / "apply" / f"{safe}.jsonl"
        digest = content_hash(rule_set, embedded_modules(rule_set))
        state = StateFile(path, args.project, rule_set.name, digest)
        if not args.restart:
            state.load()
            if state.started_over:
                print(f"{path}: made for another version of the rule set: starting over", file=sys.stderr)
            elif state.done:
                print(f"{path}: {len(state.done):,} assets done by an earlier run: skipped", file=sys.stderr)
    progress = ApplyProgress(not args.no_progress)
    try:
        with _live.connect(args) as client:
            summary = apply_rules(
                rule_set,
                client,
                args.project,
                dry_run=not args.yes,
                event=args.event,
                asset_status_in=args.status,
                state=state,
                rate=args.rate,
                logger=logger,
                on_progress=progress,
                per_asset=args.per_asset,
                page_size=args.page_size,
            )
    finally:
        progress.close()
        if state is not None:
            state.close()
    print(summary.as_text())
    return 0 if summary.complete else 1
