"""``scrapy runs``: the last runs and their verdicts, from the crawl state, for whoever
cannot see a run's exit status (a Scrapyd job, a cron mail read later)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

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
            for run in runs:
                print(json.dumps(described(run), ensure_ascii=False) if opts.json else line(run))
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader had enough (`| head -1`): no traceback for that.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def described(run: Run) -> dict[str, Any]:
    """A run as ``--json`` gives it: the state's record, its verdict and duration, and
    whether its output is still there (Scrapyd deletes old item files)."""
    told = {"verdict": run.verdict, "seconds": run.seconds, "output_gone": run.output_gone}
    return {**asdict(run), **told}


def backfill(run: Run) -> list[str]:
    """The backfill's progress as the run left it: doors read to their end of the doors
    known, articles exported of the articles known (nothing for a run before the ledger)."""
    progress = run.backfill
    if progress is None:
        return []
    doors = f"{progress['doors_complete']}/{progress['doors_known']} doors"
    articles = f"{progress['articles_exported']}/{progress['articles_known']} articles"
    return [f"backfill {doors} {articles}"]


def line(run: Run) -> str:
    took = run.seconds
    verdict = run.verdict
    if run.problems:
        verdict += ": " + "; ".join(run.problems)
    elif run.finish_reason == "killed":
        verdict += " (killed, or its end could not be recorded)"
    gone = " (gone)" if run.output_gone else ""
    fields = [
        run.run_id,
        f"started {run.started_at}",
        f"took {took:.0f} s" if took is not None else "no end recorded",
        f"new {run.new if run.new is not None else '-'}",
        f"failed {run.failed if run.failed is not None else '-'}",
        *backfill(run),
        verdict,
        f"output {run.output or '-'}{gone}",
        f"report {run.report or '-'}",
    ]
    return "  ".join(fields)
