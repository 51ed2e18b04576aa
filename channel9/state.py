"""The crawl state: what earlier runs exported and what they failed to get.

One SQLite file beside the output, no server. Writes are committed in batches: a run
killed before a commit re-fetches those articles next time (at least once, never lost),
because an article is recorded only after its line is written to the run's file.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    canonical TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published_date TEXT
);
CREATE TABLE IF NOT EXISTS failures (
    url TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    tries INTEGER NOT NULL,
    last_tried TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    finish_reason TEXT,
    output TEXT,
    report TEXT
);
"""
CONTENT_FIELDS = (
    "title",
    "category",
    "categories",
    "tags",
    "author",
    "published_raw",
    "dateline",
    "text",
    "editor",
    "image_url",
    "image_caption",
)
COMMIT_EVERY = 50
COMMIT_SECONDS = 2.0


class AlreadyRunning(RuntimeError):
    """Another crawl holds the state's lock."""


def content_hash(item: Mapping[str, Any]) -> str:
    """A digest of what an article says, so that an edit shows and a re-fetch does not."""
    content = [item.get(name) for name in CONTENT_FIELDS]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:32]


class CrawlState:
    """The state file, locked for one run at a time."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = self._acquire_lock(self.path.with_name(self.path.name + ".lock"))
        self.db = sqlite3.connect(self.path, isolation_level="DEFERRED")
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.db.commit()
        self._pending = 0
        self._last_commit = time.monotonic()

    @staticmethod
    def _acquire_lock(path: Path) -> Any:
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise AlreadyRunning(f"{path} is held by {holder}") from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        return handle

    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None

    def is_exported(self, url: str) -> bool:
        row = self.db.execute("SELECT 1 FROM articles WHERE url = ?", (url,)).fetchone()
        return row is not None

    def exported_hash(self, url: str) -> str | None:
        row = self.db.execute("SELECT content_hash FROM articles WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def failures(self) -> list[str]:
        """URLs that failed in earlier runs, to be tried again."""
        return [row[0] for row in self.db.execute("SELECT url FROM failures ORDER BY url")]

    def record_exported(
        self, urls: Iterable[str], canonical: str, digest: str, published: str | None, now: str
    ) -> None:
        """The article's line is in the run's file: it is exported under each of ``urls``."""
        for url in dict.fromkeys(urls):
            self.db.execute(
                "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET"
                " canonical = excluded.canonical, last_seen = excluded.last_seen,"
                " content_hash = excluded.content_hash, published_date = excluded.published_date",
                (url, canonical, now, now, digest, published),
            )
            self.db.execute("DELETE FROM failures WHERE url = ?", (url,))
        self._written()

    def record_failure(self, url: str, reason: str, now: str) -> None:
        self.db.execute(
            "INSERT INTO failures VALUES (?, ?, 1, ?) ON CONFLICT(url) DO UPDATE SET"
            " reason = excluded.reason, tries = tries + 1, last_tried = excluded.last_tried",
            (url, reason, now),
        )
        self._written()

    def take_unfinished(self, now: str) -> list[str]:
        """Output files of earlier runs that never finished (killed), marked as such."""
        rows = self.db.execute("SELECT output FROM runs WHERE finished_at IS NULL").fetchall()
        self.db.execute(
            "UPDATE runs SET finished_at = ?, finish_reason = 'killed' WHERE finished_at IS NULL",
            (now,),
        )
        self.db.commit()
        return [row[0] for row in rows if row[0]]

    def start_run(self, run_id: str, started_at: str, output: str | None) -> None:
        self.db.execute(
            "INSERT INTO runs (run_id, started_at, output) VALUES (?, ?, ?)",
            (run_id, started_at, output),
        )
        self.db.commit()

    def finish_run(self, run_id: str, finished_at: str, reason: str, report: str | None) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, finish_reason = ?, report = ? WHERE run_id = ?",
            (finished_at, reason, report, run_id),
        )
        self.db.commit()

    def _written(self) -> None:
        self._pending += 1
        now = time.monotonic()
        if self._pending >= COMMIT_EVERY or now - self._last_commit >= COMMIT_SECONDS:
            self.commit()

    def commit(self) -> None:
        self.db.commit()
        self._pending = 0
        self._last_commit = time.monotonic()

    def close(self) -> None:
        self.commit()
        self.db.close()
        self._lock.close()
