"""``scrapy runs``: the last runs and their verdicts, from the crawl state, for whoever
cannot see a run's exit status (a Scrapyd job, a cron mail read later): a table that fits
100 columns, one row a run, and on an indented line under it what the row cannot say (why
the run did not end well, its Scrapyd job)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from channel9.commands import say_errors_in_one_line
from channel9.incremental.history import Run, read_runs
from channel9.incremental.store import StateError
from channel9.paths import data_path


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[--last N] [--json]"

    def short_desc(self) -> str:
        return "Show the last runs from the crawl state: when, how long, what, the verdict"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        say_errors_in_one_line(parser)
        parser.add_argument(
            "--last", type=int, default=10, metavar="N", help="the last N runs (default 10)"
        )
        parser.add_argument("--json", action="store_true", help="one JSON object per run")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        if args:
            raise UsageError(f"unexpected argument: {args[0]}")
        if opts.last < 1:
            raise UsageError("--last must be 1 or more")
        state = data_path(self.settings, "CHANNEL9_STATE")
        try:
            if not state or not Path(state).is_file():
                raise StateError(f"no crawl state at {state!r} (CHANNEL9_STATE)")
            runs = read_runs(Path(state))[-opts.last :]
        except StateError as error:
            print(f"scrapy runs: error: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        try:
            if opts.json:
                for run in runs:
                    print(json.dumps(described(run), ensure_ascii=False))
            else:
                print("\n".join(table(runs)))
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader had enough (`| head -1`): no traceback for that.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


WIDTH = 100
"""The table's width at most: a terminal's, a mail's."""
HEADER = (
    "started (UTC)",
    "took",
    "site",
    "arguments",
    "new",
    "re-emitted",
    "failed pages",
    "verdict",
)
RIGHT = ("took", "new", "re-emitted", "failed pages")
"""The columns aligned right: durations and counts."""
NARROWEST = {"arguments": 9, "site": 12}
"""The columns cut short (with an ellipsis) when the table is too wide, in this order,
and how narrow each may get."""


def described(run: Run) -> dict[str, Any]:
    """A run as ``--json`` gives it: the state's record, its verdict and duration, and
    whether its output is still there (Scrapyd deletes old item files)."""
    told = {"verdict": run.verdict, "seconds": run.seconds, "output_gone": run.output_gone}
    return {**asdict(run), **told}


def table(runs: list[Run]) -> list[str]:
    """The runs as a table under a header, each cell cut short to fit :data:`WIDTH`."""
    rows = [cells(run) for run in runs]
    widths = [max(len(row[column]) for row in [HEADER, *rows]) for column in range(len(HEADER))]
    for name, narrowest in NARROWEST.items():
        column = HEADER.index(name)
        excess = sum(widths) + 2 * (len(widths) - 1) - WIDTH
        if excess > 0:
            widths[column] = max(narrowest, widths[column] - excess)
    lines = [aligned(HEADER, widths)]
    for run, row in zip(runs, rows, strict=True):
        lines.append(aligned(row, widths))
        column = HEADER.index("arguments")
        told = details(run, arguments_cut=len(row[column]) > widths[column])
        if not told:
            continue
        if len("    " + "; ".join(told)) <= WIDTH:
            lines.append("    " + "; ".join(told))
        else:  # one line each, a long one wrapped under itself
            for part in told:
                lines += textwrap.wrap(
                    part,
                    WIDTH,
                    initial_indent="    ",
                    subsequent_indent="      ",
                    break_on_hyphens=False,  # a path or a URL is cut where it must be only
                )
    return lines


def aligned(row: tuple[str, ...], widths: list[int]) -> str:
    cut = [
        text if len(text) <= width else text[: width - 1] + "…"
        for text, width in zip(row, widths, strict=True)
    ]
    padded = [
        text.rjust(width) if name in RIGHT else text.ljust(width)
        for name, text, width in zip(HEADER, cut, widths, strict=True)
    ]
    return "  ".join(padded).rstrip()


def cells(run: Run) -> tuple[str, ...]:
    """A run's row: ``-`` for what its record does not tell (a state from before it was
    recorded, a run with no end recorded); no arguments, an empty cell."""
    started = datetime.fromisoformat(run.started_at).astimezone(timezone.utc)
    recorded = run.arguments is not None
    fresh = (
        run.new - run.reemitted if run.new is not None and run.reemitted is not None else run.new
    )
    return (
        started.strftime("%Y-%m-%d %H:%M"),
        duration(run.seconds),
        urlsplit(run.site).netloc if run.site else "-",
        given(run) if recorded else "-",
        count(fresh),
        count(run.reemitted),
        count(run.failed),
        run.verdict,
    )


def given(run: Run) -> str:
    """The run's arguments as a user would type them after ``-a`` (the site aside)."""
    return " ".join(f"{name}={value}" for name, value in (run.arguments or {}).items())


def count(number: int | None) -> str:
    return "-" if number is None else str(number)


def duration(seconds: float | None) -> str:
    """``42s``, ``12m05s``, ``3h07m``: two units at most."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def details(run: Run, arguments_cut: bool) -> list[str]:
    """What the row cannot say: why the run did not end well, the Scrapyd job that
    started it (whole: its log is named after it), the arguments cut short in the row, a
    backfill not yet done, an output file gone."""
    told = list(run.problems or ())
    if run.verdict == "unfinished":
        told.append(
            "killed, or its end could not be recorded"
            if run.finish_reason == "killed"
            else "running, or killed (the next crawl tells)"
        )
    if run.job:
        told.append(f"Scrapyd job {run.job}")
    if arguments_cut:
        told.append(f"arguments {given(run)}")
    progress = run.backfill
    if progress is not None and not progress["complete"]:
        told.append(
            f"backfill {progress['doors_complete']}/{progress['doors_known']} doors read to"
            f" their end, {progress['articles_exported']}/{progress['articles_known']} articles"
        )
    if run.output_gone:
        told.append(f"output gone: {run.output}")
    return told
