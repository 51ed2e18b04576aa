"""``scrapy runs``: the last runs and their verdicts, from the crawl state, for whoever
cannot see a run's exit status (a Scrapyd job, a cron mail read later): a table that fits
100 columns, one row a run (refusals one after another in one row), and on an indented
line under it what the row cannot say (why the run did not end well, its Scrapyd job)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import unicodedata
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from channel9.commands import refuse_options, say_errors_in_one_line
from channel9.incremental.history import Run, in_order, read_refused, read_runs
from channel9.incremental.store import StateError, refusals_of
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
            "--last",
            type=int,
            default=10,
            metavar="N",
            help="the last N rows (default 10; refusals one after another are one row)",
        )
        parser.add_argument(
            "--json", action="store_true", help="one JSON object per run of those rows"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        refuse_options(args)
        if args:
            raise UsageError(f"unexpected argument: {args[0]}")
        if opts.last < 1:
            raise UsageError("--last must be 1 or more")
        state = data_path(self.settings, "CHANNEL9_STATE")
        try:
            if not state or not Path(state).is_file():
                raise StateError(f"no crawl state at {state!r} (CHANNEL9_STATE)")
            refusals = read_refused(Path(state))
            runs = sorted([*read_runs(Path(state)), *refusals.runs], key=in_order)
        except StateError as error:
            print(f"scrapy runs: error: {error}", file=sys.stderr)
            self.exitcode = 1
            return
        if refusals.damaged:
            lines = "line" if refusals.damaged == 1 else "lines"
            print(
                f"scrapy runs: warning: skipped {refusals.damaged} damaged {lines} of"
                f" {refusals_of(Path(state))}: the refusals they held are not listed",
                file=sys.stderr,
            )
        shown = rows_of(runs)[-opts.last :]
        try:
            if opts.json:
                for run in (run for row in shown for run in row):
                    print(json.dumps(described(run), ensure_ascii=False))
            else:
                print("\n".join(table(shown)))
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
INDENT, WRAPPED = "    ", "      "
"""The indent of the line under a row, and of its lines wrapped under it."""


def described(run: Run) -> dict[str, Any]:
    """A run as ``--json`` gives it: the state's record, its verdict and duration, and
    whether its output is still there (Scrapyd deletes old item files)."""
    told = {"verdict": run.verdict, "seconds": run.seconds, "output_gone": run.output_gone}
    return {**asdict(run), **told}


def rows_of(runs: list[Run]) -> list[list[Run]]:
    """The runs as the table shows them: one a row, but refusals of the same site and
    arguments one after another (a cron job asking again and again while a long crawl
    runs) in one row."""
    rows: list[list[Run]] = []
    for run in runs:
        last = rows[-1][-1] if rows else None
        if (
            last is not None
            and run.verdict == last.verdict == "refused"
            and (run.site, run.arguments) == (last.site, last.arguments)
        ):
            rows[-1].append(run)
        else:
            rows.append([run])
    return rows


def table(shown: list[list[Run]]) -> list[str]:
    """The rows (see :func:`rows_of`) as a table under a header, each cell cut short to
    fit :data:`WIDTH`."""
    rows = [tuple(map(printable, cells(runs))) for runs in shown]
    widths = [max(columns(row[column]) for row in [HEADER, *rows]) for column in range(len(HEADER))]
    for name, narrowest in NARROWEST.items():
        column = HEADER.index(name)
        excess = sum(widths) + 2 * (len(widths) - 1) - WIDTH
        if excess > 0:
            widths[column] = max(narrowest, widths[column] - excess)
    lines = [aligned(HEADER, widths)]
    for runs, row in zip(shown, rows, strict=True):
        lines.append(aligned(row, widths))
        column = HEADER.index("arguments")
        told = [
            printable(part)
            for part in details(runs, arguments_cut=columns(row[column]) > widths[column])
        ]
        if not told:
            continue
        if columns(INDENT + "; ".join(told)) <= WIDTH:
            lines.append(INDENT + "; ".join(told))
        else:  # one line each, a long one wrapped under itself
            for part in told:
                lines += wrapped(part)
    return lines


def aligned(row: tuple[str, ...], widths: list[int]) -> str:
    cut = [
        text if columns(text) <= width else fitted(text, width - 1) + "…"
        for text, width in zip(row, widths, strict=True)
    ]
    padded = [
        " " * (width - columns(text)) + text
        if name in RIGHT
        else text + " " * (width - columns(text))
        for name, text, width in zip(HEADER, cut, widths, strict=True)
    ]
    return "  ".join(padded).rstrip()


def printable(text: str) -> str:
    """``text`` with what a terminal would act on rather than show (a control character,
    an ANSI escape's ESC, a line break) written as Python writes it in a string, ``\\x1b``,
    ``\\n``: a recorded argument or job id cannot move the cursor or colour the screen."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


def columns(text: str) -> int:
    """The terminal columns ``text`` takes: 2 a wide character (CJK), 0 a combining mark,
    1 any other."""
    return sum(
        0 if unicodedata.combining(char) else 2 if unicodedata.east_asian_width(char) in "WF" else 1
        for char in text
    )


def fitted(text: str, width: int) -> str:
    """The longest start of ``text`` that takes at most ``width`` columns."""
    taken = 0
    for at, char in enumerate(text):
        taken += columns(char)
        if taken > width:
            return text[:at]
    return text


def wrapped(text: str) -> list[str]:
    """``text`` on lines of :data:`WIDTH` columns, under a row: cut between words, a word
    too long for a line of its own (a path, a URL) cut where the line ends."""
    lines: list[str] = []
    line = INDENT
    for word in text.split(" "):
        spaced = word if line in (INDENT, WRAPPED) else " " + word
        if columns(line + spaced) <= WIDTH:
            line += spaced
        elif columns(word) <= WIDTH - len(WRAPPED):
            lines.append(line.rstrip())
            line = WRAPPED + word
        else:
            while columns(line + spaced) > WIDTH:
                head = fitted(spaced, WIDTH - columns(line))
                lines.append((line + head).rstrip())
                line, spaced = WRAPPED, spaced[len(head) :].lstrip(" ")
            line += spaced
    lines.append(line.rstrip())
    return lines


def cells(runs: list[Run]) -> tuple[str, ...]:
    """A row: its first run's, with the number of runs by the verdict when more share it;
    ``-`` for what the record does not tell (a state from before it was recorded, a run
    with no end recorded); no arguments, an empty cell."""
    run = runs[0]
    recorded = run.arguments is not None
    new = (
        run.written - run.reemitted
        if run.written is not None and run.reemitted is not None
        else run.written
    )
    return (
        start(run).strftime("%Y-%m-%d %H:%M"),
        duration(run.seconds),
        urlsplit(run.site).netloc if run.site else "-",
        given(run) if recorded else "-",
        count(new),
        count(run.reemitted),
        count(run.failed),
        marked(run) if len(runs) == 1 else f"{run.verdict} x{len(runs)}",
    )


def marked(run: Run) -> str:
    """The verdict, ``warned`` beside it when the run warned of something (a quiet run, a
    stale site, blocking) without failing for it."""
    return f"{run.verdict}, warned" if run.warnings else run.verdict


def start(run: Run) -> datetime:
    """When the run started, in UTC: the table's time."""
    return datetime.fromisoformat(run.started_at).astimezone(timezone.utc)


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


def details(runs: list[Run], arguments_cut: bool) -> list[str]:
    """What the row cannot say: how many refusals it holds and when, why the run did not
    end well (each reason once), what it warned of, the Scrapyd job that started it
    (whole: its log is named after it; the first and the last of a row of refusals), the
    arguments cut short in the row, a backfill not yet done, an output file gone."""
    run = runs[0]
    told = []
    if len(runs) > 1:
        first, last = start(run), start(runs[-1])
        until = last.strftime("%H:%M" if last.date() == first.date() else "%Y-%m-%d %H:%M")
        told.append(f"{len(runs)} refused between {first:%H:%M} and {until}")
    told += dict.fromkeys(problem for each in runs for problem in each.problems or ())
    told += (f"warning: {warning}" for warning in run.warnings or ())
    if run.verdict == "unfinished":
        told.append(
            "killed, or its end could not be recorded"
            if run.finish_reason == "killed"
            else "running, or killed (the next crawl tells)"
        )
    jobs = [each.job for each in runs if each.job]
    if jobs:
        told.append(
            f"Scrapyd job {jobs[0]}" if len(jobs) == 1 else f"Scrapyd jobs {jobs[0]} to {jobs[-1]}"
        )
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
