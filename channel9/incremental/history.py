"""The crawl state read only, for the commands that read what crawls did (``scrapy runs``,
``scrapy dataset``) while a crawl may be running: no lock, nothing written."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from channel9.incremental.store import StateError, refusals_of


@contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    """The state opened read only, without the lock: a crawl may be running. A reader
    that may not write beside the file (another user's state) cannot make the WAL's
    shared-memory file: it reads the file as it is, unless writes wait in the WAL."""
    db = None
    for mode in ("mode=ro", "immutable=1"):
        try:
            db = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True)
            db.execute("SELECT 1 FROM sqlite_master").fetchall()
            break
        except sqlite3.Error as error:
            if db is not None:
                db.close()
            if mode != "mode=ro" or not isinstance(error, sqlite3.OperationalError):
                raise StateError(f"cannot read the crawl state {path}: {error}") from None
            wal = path.with_name(path.name + "-wal")
            if wal.is_file() and wal.stat().st_size:
                raise StateError(
                    f"cannot read the crawl state {path} whole ({error}: its latest writes are"
                    f" in {wal.name}); run as the user the crawls run as"
                ) from None
    assert db is not None
    try:
        yield db
    except sqlite3.Error as error:
        raise StateError(f"cannot read the crawl state {path}: {error}") from None
    finally:
        db.close()


def listed_categories(path: Path) -> tuple[dict[str, set[str]], dict[str, str]]:
    """By article (its canonical URL): the labels of every category whose listing showed
    it, in any run; and each category's latest label by its slug."""
    found: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    with reading(path) as db:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'listed'").fetchone():
            return found, labels  # a state from before this table, not yet opened by a crawl
        for url, slug, label in db.execute(
            "SELECT coalesce(articles.canonical, listed.url), listed.category, listed.label"
            " FROM listed LEFT JOIN articles USING (url)"
        ):
            found.setdefault(url, set()).add(label)
            labels[slug] = label
    return found, labels


@dataclass(frozen=True)
class Run:
    """One run as the crawl state recorded it, for ``scrapy runs`` and the dataset card."""

    run_id: str
    started_at: str
    finished_at: str | None
    finish_reason: str | None
    output: str | None
    report: str | None
    problems: list[str] | None
    """Why the run failed (empty when it did not); None when it never finished."""
    written: int | None
    """Articles it wrote, the re-emitted ones included."""
    failed: int | None
    """Pages it could not get."""
    backfill: dict[str, Any] | None = None
    """How far the runs had come through the site's archive as it ended (see
    :meth:`channel9.incremental.store.Backfill.progress`); None before it was recorded."""
    site: str | None = None
    arguments: dict[str, str] | None = None
    """As :class:`channel9.incremental.store.Asked` keeps them; None before they were
    recorded."""
    job: str | None = None
    """The Scrapyd job that started it."""
    reemitted: int | None = None
    """Articles an earlier run exported that it wrote again, changed."""
    warnings: list[str] | None = None
    """What it warned of without failing (a quiet run, a stale site, blocking); None
    before it was recorded."""

    @property
    def verdict(self) -> str:
        """``ok``, ``failed``, ``refused`` (another crawl held the state), or
        ``unfinished``: running, or it ended without recording how (killed, or its state
        could not be written; the next run marks it killed)."""
        if self.finish_reason == "refused":
            return "refused"
        if self.problems is None:
            return "unfinished"
        return "failed" if self.problems else "ok"

    @property
    def output_gone(self) -> bool:
        """Its file is gone (deleted, or pruned by Scrapyd's ``jobs_to_keep``) though it
        exported articles (a run with nothing new writes no file; a killed one may not
        have): what only it held is lost to every dataset."""
        return self.output is not None and bool(self.written) and not Path(self.output).exists()

    @property
    def seconds(self) -> float | None:
        """How long it ran, when it recorded its end (a killed run's is when it was found);
        a refused run did not run."""
        if self.finished_at is None or self.problems is None:
            return None
        took = datetime.fromisoformat(self.finished_at) - datetime.fromisoformat(self.started_at)
        return round(took.total_seconds(), 1)


def problems_of(verdict: str | None, path: Path) -> list[str] | None:
    try:
        return None if verdict is None else list(json.loads(verdict))
    except (ValueError, TypeError):
        raise StateError(
            f"cannot read the crawl state {path}: a run's verdict is damaged"
        ) from None


def read_runs(path: Path) -> list[Run]:
    """Every run the state knows, oldest first; the refused ones are beside it (see
    :func:`read_refused`)."""
    columns = (
        *("run_id", "started_at", "finished_at", "finish_reason", "output", "report"),
        *(
            "verdict",
            "articles",
            "failed",
            "backfill",
            "site",
            "arguments",
            "job",
            "reemitted",
            "warnings",
        ),
    )
    with reading(path) as db:
        # Read only: a state from before a column (see MIGRATIONS) gets it at the next crawl.
        present = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
        chosen = ", ".join(name if name in present else "NULL" for name in columns)
        rows = db.execute(f"SELECT {chosen} FROM runs").fetchall()
    runs = [
        Run(
            run_id=run_id,
            started_at=started_at,
            finished_at=finished_at,
            finish_reason=reason,
            output=output,
            report=report,
            problems=problems_of(verdict, path),
            written=written,
            failed=failed,
            backfill=json.loads(backfill) if backfill else None,
            site=site,
            arguments=json.loads(arguments) if arguments else None,
            job=job,
            reemitted=reemitted,
            warnings=json.loads(warnings) if warnings else None,
        )
        for (
            run_id,
            started_at,
            finished_at,
            reason,
            output,
            report,
            verdict,
            written,
            failed,
            backfill,
            site,
            arguments,
            job,
            reemitted,
            warnings,
        ) in rows
    ]
    return sorted(runs, key=in_order)


def in_order(run: Run) -> tuple[str, str]:
    """Runs sort by their start, then their id."""
    return run.started_at, run.run_id


@dataclass(frozen=True)
class Refusals:
    """The refused runs recorded beside the state, and the lines that held none."""

    runs: list[Run]
    damaged: int
    """Lines skipped that held something: cut short (a disk that filled as a refusal was
    written), or not a refusal's record."""


def read_refused(path: Path) -> Refusals:
    """The runs refused as another crawl held the state (see
    :func:`channel9.incremental.store.record_refused`), oldest first; a last line still
    being written is not one yet, a blank line is none, and a damaged line is skipped,
    counted: one refusal lost is no reason to hide the others."""
    try:
        # Blank lines hold no refusal: a refusal ends a line it sees unfinished before
        # its own, be it one still being written by another.
        lines = [line for line in refusals_of(path).read_bytes().split(b"\n")[:-1] if line]
    except FileNotFoundError:
        return Refusals([], 0)
    except OSError as error:
        raise StateError(f"cannot read the refused runs {refusals_of(path)}: {error}") from None
    runs = []
    for line in lines:
        try:
            runs.append(refusal(line))
        except (ValueError, TypeError, KeyError):
            continue
    return Refusals(sorted(runs, key=in_order), len(lines) - len(runs))


def refusal(line: bytes) -> Run:
    """A refused run from its line; ValueError, TypeError or KeyError if it holds none."""
    record = json.loads(line)
    datetime.fromisoformat(record["started_at"])
    arguments = record["arguments"]
    if not isinstance(arguments, dict) or not all(
        isinstance(value, str) for value in (record["run_id"], *arguments.values())
    ):
        raise ValueError("not a refusal")
    return Run(
        run_id=record["run_id"],
        started_at=record["started_at"],
        finished_at=None,
        finish_reason="refused",
        output=None,
        report=None,
        problems=[f"another crawl held the crawl state ({record['holder']})"],
        written=None,
        failed=None,
        site=record["site"],
        arguments=arguments,
        job=record["job"],
    )
