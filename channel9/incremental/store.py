"""The crawl state: what earlier runs exported, what is still to fetch, and the coverage
ledger of the doors into the site. One SQLite file, locked for one run at a time.

Writes are committed in batches: a run killed before a commit fetches those articles again
next time (at least once, never lost), because an article is recorded as exported only
after its line is in the run's file, an article link is recorded as to fetch before the
page that showed it counts as read, and a door counts as read to its end only after
every article it named is recorded.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from channel9.failures import StartupError
from channel9.reasons import PERMANENT
from channel9.run.baseline import Responses

logger = logging.getLogger(__name__)

FORMAT = "channel9-state-4"
"""The state's format: 1 to 3 are upgraded as they open, a later one is refused (an
earlier version of the project cannot write the columns a later one added)."""
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    canonical TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published_date TEXT,
    published_at TEXT
);
CREATE TABLE IF NOT EXISTS queue (
    url TEXT PRIMARY KEY,
    reason TEXT,
    failed_runs INTEGER NOT NULL DEFAULT 0,
    last_run TEXT,
    given_up INTEGER NOT NULL DEFAULT 0,
    published_date TEXT,
    categories TEXT
);
CREATE TABLE IF NOT EXISTS doors (
    door TEXT PRIMARY KEY,
    read_to_end TEXT,
    resume_url TEXT,
    resume_page INTEGER,
    anchor TEXT,
    walked_at TEXT
);
CREATE TABLE IF NOT EXISTS lastmods (url TEXT PRIMARY KEY, lastmod TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS listed (
    url TEXT NOT NULL,
    category TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (url, category)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    finish_reason TEXT,
    output TEXT,
    report TEXT,
    verdict TEXT,
    articles INTEGER, -- the articles the run wrote, counted as it writes: Run.written
    field_fill TEXT,
    failed INTEGER,
    backfill TEXT,
    site TEXT,
    arguments TEXT,
    job TEXT,
    reemitted INTEGER,
    warnings TEXT,
    responses INTEGER,
    blocked INTEGER -- its 403 and 429 responses
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
MIGRATIONS = (
    ("queue", "published_date", "TEXT"),
    ("queue", "categories", "TEXT"),
    ("runs", "articles", "INTEGER"),
    ("runs", "field_fill", "TEXT"),
    ("runs", "failed", "INTEGER"),
    ("runs", "backfill", "TEXT"),
    ("runs", "site", "TEXT"),
    ("runs", "arguments", "TEXT"),
    ("runs", "job", "TEXT"),
    ("runs", "reemitted", "INTEGER"),
    ("articles", "published_at", "TEXT"),
    ("runs", "warnings", "TEXT"),
    ("runs", "responses", "INTEGER"),
    ("runs", "blocked", "INTEGER"),
)
"""Columns added since the state's first format, added to an older state as it opens."""
COMMIT_EVERY = 50
COMMIT_SECONDS = 2.0


class StateError(StartupError):
    """The state file cannot be used: held by another run, damaged, or not writable."""


class AlreadyRunning(StateError):
    """Another crawl holds the state's lock."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


class LaterFormat(StateError):
    """The state was written by a later version of the project."""


def content_hash(item: Mapping[str, Any]) -> str:
    """A digest of what an article says, so that an edit shows and a re-fetch does not."""
    content = [item.get(name) for name in CONTENT_FIELDS]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Door:
    """A door into the site (a category's listing, a feed, a sitemap) and how far runs
    have read it: never (no row), partly (where a listing walk goes on), or to its end
    at least once.

    Doors are named ``listing:<category slug>``, ``feed:<url>`` and ``sitemap:<url>``.
    """

    name: str
    read_to_end: bool = False
    resume_url: str | None = None
    resume_page: int | None = None
    anchors: tuple[str, ...] = ()
    """Listings: the articles of page 1 when the last walk from page 1 finished: those
    and every newer one were seen then."""


@dataclass(frozen=True)
class Backfill:
    """How far the runs have come through the site's archive: the ledger's summary."""

    doors_known: int
    doors_complete: int
    incomplete: tuple[str, ...]
    """The doors not yet read to their end, by name."""
    articles_known: int
    """Articles exported, and found but not yet exported (nor given up)."""
    articles_exported: int

    @property
    def complete(self) -> bool:
        """Every door known has been read to its end once (and at least one is known)."""
        return bool(self.doors_known) and not self.incomplete

    def progress(self) -> dict[str, Any]:
        """As the run report, the stats and ``scrapy runs`` give it."""
        return {
            "complete": self.complete,
            "doors_known": self.doors_known,
            "doors_complete": self.doors_complete,
            "articles_known": self.articles_known,
            "articles_exported": self.articles_exported,
            "incomplete_doors": list(self.incomplete),
        }


@dataclass(frozen=True)
class Published:
    """When an article was published: the day its item gives, and the moment in UTC (the
    start of that day in the site's zone when the item gives no time)."""

    date: str | None = None
    moment: str | None = None


@dataclass(frozen=True)
class Publications:
    """What the state knows of when the site published."""

    since: datetime | None
    """The first publication whose moment it knows (or when a state of an earlier format
    began to keep them, if later): the weeks before are no measure."""
    latest: datetime | None
    """The latest publication it knows the moment of."""
    latest_day: str | None
    """The latest day among the articles whose moment it does not know."""


@dataclass(frozen=True)
class Asked:
    """What a run was asked to do, as its record keeps it for ``scrapy runs``: the site,
    the arguments other than the site as a user would give them again (those left at
    their default are not named), and the Scrapyd job that started it."""

    site: str | None = None
    arguments: dict[str, str] = field(default_factory=dict)
    job: str | None = None


def refusals_of(state: Path) -> Path:
    """The file beside the state where runs refused for want of its lock are recorded:
    a refused run may not write the state a running crawl holds."""
    return state.with_name(state.name + ".refused")


def record_refused(state: Path, run_id: str, at: str, asked: Asked, holder: str) -> None:
    """A run that could not start since another crawl held the state: one line appended
    to :func:`refusals_of`, in one write (appends from two processes do not mix).

    A write cut short is taken up where it stopped; one the disk stopped for good leaves
    a line unfinished, which the next refusal ends before its own, so that the damaged
    line (skipped by its readers) holds no other refusal. (A line it sees unfinished as
    another process writes it ends up followed by a blank line: nothing lost.)"""
    line = json.dumps(
        {
            "run_id": run_id,
            "started_at": at,
            "site": asked.site,
            "arguments": asked.arguments,
            "job": asked.job,
            "holder": holder,
        },
        ensure_ascii=False,
    )
    handle = os.open(refusals_of(state), os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(handle).st_size
        torn = size > 0 and os.pread(handle, 1, size - 1) != b"\n"
        left = memoryview(("\n" if torn else "").encode() + (line + "\n").encode())
        while left:
            left = left[os.write(handle, left) :]
    finally:
        os.close(handle)


class CrawlState:
    """The state file. Opening it checks it whole, so that a damaged or unwritable state
    stops the crawl before anything is fetched instead of starting over in silence."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = _acquire_lock(self.path.with_name(self.path.name + ".lock"))
        except OSError as error:
            raise StateError(f"cannot lock the crawl state {self.path}: {error}") from None
        try:
            self.db = self._open()
        except LaterFormat as error:
            self._lock.close()
            raise StateError(f"the crawl state {self.path} {error}") from None
        except (sqlite3.Error, StateError) as error:
            self._lock.close()
            message = str(error) if isinstance(error, StateError) else f"sqlite says: {error}"
            if type(error) is sqlite3.DatabaseError:  # not its subclasses: a broken file
                message = f"it is damaged, {message}"
            raise StateError(
                f"the crawl state {self.path} cannot be used ({message}); move it away to"
                " start again from nothing"
            ) from None
        self._pending = 0
        self._last_commit = time.monotonic()

    def _open(self) -> sqlite3.Connection:
        exists = self.path.exists()
        if exists and self.path.stat().st_size == 0:
            raise StateError("the file is empty")
        db = sqlite3.connect(self.path, isolation_level="DEFERRED")
        try:
            check = db.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise StateError(f"it is damaged: {check}")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            # No table at all: a state whose setting up was cut short (a full disk).
            if exists and tables and "articles" not in tables:
                raise StateError("it is not a channel9 crawl state")
            if "meta" in tables:
                _refuse_later_format(db)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            # A write now: a state that cannot be written fails here, not after a run.
            db.execute("BEGIN IMMEDIATE")
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            for table, column, kind in MIGRATIONS:
                if column not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
                    if (table, column) == ("articles", "published_at") and "articles" in tables:
                        # The articles exported so far have no moment: the weeks before
                        # now are no measure of what the site publishes.
                        db.execute(
                            "INSERT OR REPLACE INTO meta VALUES ('moments_since', ?)",
                            (datetime.now(timezone.utc).isoformat(timespec="seconds"),),
                        )
            # After the migrations: the column it reads may have just been added.
            db.execute(
                "CREATE INDEX IF NOT EXISTS articles_published"
                " ON articles (julianday(published_at))"
            )
            if "walks" in tables:
                # Format 2: one row a category listing, and none for a walk whose page 1
                # never finished (the cause of listings never read again).
                db.execute(
                    "INSERT OR IGNORE INTO doors (door, read_to_end, resume_url, resume_page,"
                    " anchor) SELECT 'listing:' || category,"
                    " CASE WHEN reached_end THEN '1970-01-01T00:00:00+00:00' END,"
                    " resume_url, resume_page, anchor FROM walks"
                )
                db.execute("DROP TABLE walks")
            if "failures" in tables:
                db.execute(
                    "INSERT OR IGNORE INTO queue (url, reason, failed_runs, last_run)"
                    " SELECT url, reason, tries, last_tried FROM failures"
                )
                db.execute("DROP TABLE failures")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
            db.commit()
        except BaseException:
            db.close()
            raise
        return db

    # What earlier runs did.

    def is_empty(self) -> bool:
        return self.db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None

    def exported_to(self, output: str) -> str | None:
        """The last run that exported articles to the file ``output`` (absolute), if one
        did."""
        row = self.db.execute(
            "SELECT run_id FROM runs WHERE output = ? AND articles > 0"
            " ORDER BY started_at DESC LIMIT 1",
            (output,),
        ).fetchone()
        return row[0] if row else None

    def is_known(self, url: str) -> bool:
        """Exported by an earlier run, or given up: not to fetch again."""
        row = self.db.execute(
            "SELECT 1 FROM articles WHERE url = ? UNION ALL"
            " SELECT 1 FROM queue WHERE url = ? AND given_up = 1",
            (url, url),
        ).fetchone()
        return row is not None

    def exported_hash(self, url: str) -> str | None:
        row = self.db.execute("SELECT content_hash FROM articles WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def exported_at(self, url: str) -> datetime | None:
        """When the article was last exported (or found unchanged): an edit the site
        dates later is worth a look."""
        row = self.db.execute("SELECT last_seen FROM articles WHERE url = ?", (url,)).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def lastmod(self, url: str) -> datetime | None:
        """The ``<lastmod>`` a sitemap gave the article when a run last read it."""
        row = self.db.execute("SELECT lastmod FROM lastmods WHERE url = ?", (url,)).fetchone()
        return datetime.fromisoformat(row[0]) if row else None

    def record_lastmod(self, url: str, lastmod: datetime) -> None:
        self.db.execute("INSERT OR REPLACE INTO lastmods VALUES (?, ?)", (url, lastmod.isoformat()))
        self._written()

    def to_fetch(self) -> list[tuple[str, str | None, list[str]]]:
        """Articles found by earlier runs and not yet exported nor given up, with the
        publication day and categories of those a bound of a run left out."""
        rows = self.db.execute(
            "SELECT url, published_date, categories FROM queue WHERE given_up = 0 ORDER BY url"
        )
        return [(url, day, json.loads(labels or "[]")) for url, day, labels in rows]

    def door(self, name: str) -> Door:
        row = self.db.execute(
            "SELECT read_to_end, resume_url, resume_page, anchor FROM doors WHERE door = ?",
            (name,),
        ).fetchone()
        if row is None:
            return Door(name)
        return Door(name, row[0] is not None, row[1], row[2], tuple(json.loads(row[3] or "[]")))

    def backfill(self) -> Backfill:
        incomplete = [
            row[0]
            for row in self.db.execute(
                "SELECT door FROM doors WHERE read_to_end IS NULL ORDER BY door"
            )
        ]
        known = self.db.execute("SELECT count(*) FROM doors").fetchone()[0]
        exported = self.db.execute("SELECT count(DISTINCT canonical) FROM articles").fetchone()[0]
        waiting = self.db.execute("SELECT count(*) FROM queue WHERE given_up = 0").fetchone()[0]
        return Backfill(
            known, known - len(incomplete), tuple(incomplete), exported + waiting, exported
        )

    # What this run does.

    def record_found(self, urls: Iterable[str]) -> None:
        """Article links a listing showed: to fetch, by this run or the next ones."""
        self.db.executemany(
            "INSERT OR IGNORE INTO queue (url) SELECT ? WHERE NOT EXISTS"
            " (SELECT 1 FROM articles WHERE url = ?)",
            ((url, url) for url in urls),
        )
        self._written()

    def record_listed(self, category: str, label: str, urls: Iterable[str]) -> None:
        """A listing of ``category`` showed these articles: the dataset names the category
        for them, whatever their pages say."""
        self.db.executemany(
            "INSERT INTO listed VALUES (?, ?, ?)"
            " ON CONFLICT(url, category) DO UPDATE SET label = excluded.label",
            ((url, category, label) for url in urls),
        )
        self._written()

    def unread(self, prefix: str) -> bool:
        """Whether a door whose name starts so is known and not read to its end."""
        row = self.db.execute(
            "SELECT 1 FROM doors WHERE door LIKE ? || '%' AND read_to_end IS NULL LIMIT 1",
            (prefix,),
        ).fetchone()
        return row is not None

    def record_door(self, name: str) -> None:
        """A door this run is to read: known from now on, not read yet if it is new."""
        self.db.execute("INSERT OR IGNORE INTO doors (door) VALUES (?)", (name,))
        self._written()

    def record_walked(self, name: str, resume_url: str | None, resume_page: int, now: str) -> None:
        """A listing page is done (its links recorded): a walk cut short is taken up at
        ``resume_url``; None when the walk has read the listing to its end."""
        self.db.execute(
            "INSERT INTO doors (door, read_to_end, resume_url, resume_page) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(door) DO UPDATE SET"
            " read_to_end = coalesce(read_to_end, excluded.read_to_end),"
            " resume_url = excluded.resume_url, resume_page = excluded.resume_page",
            (name, None if resume_url else now, resume_url, resume_page if resume_url else None),
        )
        self._written()

    def record_read(self, name: str, now: str) -> None:
        """A feed or sitemap was read whole, each article it names recorded."""
        self.db.execute(
            "INSERT INTO doors (door, read_to_end) VALUES (?, ?) ON CONFLICT(door)"
            " DO UPDATE SET read_to_end = coalesce(read_to_end, excluded.read_to_end)",
            (name, now),
        )
        self._written()

    def record_walks_finished(self, names: Iterable[str], now: str) -> None:
        """These listings' walks from page 1 finished in a run that ends ``now``."""
        self.db.executemany(
            "UPDATE doors SET walked_at = ? WHERE door = ?", ((now, name) for name in names)
        )
        self._written()

    def seen_by_walks(self, url: str) -> bool:
        """Whether every listing was walked to the finish in a run that ended after the
        article was first exported: then the articles older than it were seen by those
        walks (but one published while such a run went on, after its walks had passed:
        the next walks see it, a run or so later)."""
        row = self.db.execute(
            "SELECT articles.first_seen <= (SELECT CASE WHEN count(walked_at) = count(*)"
            " THEN min(walked_at) END FROM doors WHERE door LIKE 'listing:%')"
            " FROM articles WHERE url = ?",
            (url,),
        ).fetchone()
        return bool(row and row[0])

    def next_to(self, newer: str, older: str) -> bool:
        """Whether no article exported was published on a day between these two
        exported articles': ``older`` follows ``newer`` in publication order, it was not
        an old article moved up (promoted, or re-dated)."""
        row = self.db.execute(
            "SELECT count(DISTINCT canonical) FROM articles, (SELECT"
            " (SELECT published_date FROM articles WHERE url = ?) AS top,"
            " (SELECT published_date FROM articles WHERE url = ?) AS bottom)"
            " WHERE published_date > bottom AND published_date < top",
            (newer, older),
        ).fetchone()
        dates = self.db.execute(
            "SELECT count(published_date) FROM articles WHERE url IN (?, ?)", (newer, older)
        ).fetchone()
        return bool(dates[0] == 2 and row[0] == 0)

    def record_anchors(self, name: str, anchors: list[str]) -> None:
        """A walk from page 1 finished: every article as new as these (its page 1) was
        seen."""
        self.db.execute(
            "INSERT INTO doors (door, anchor) VALUES (?, ?) ON CONFLICT(door)"
            " DO UPDATE SET anchor = excluded.anchor",
            (name, json.dumps(anchors)),
        )
        self._written()

    def record_exported(
        self,
        urls: Iterable[str],
        canonical: str,
        digest: str,
        published: Published,
        now: str,
        run_id: str,
        reemitted: bool = False,
    ) -> None:
        """The article's line is in the run's file: it is exported under each of ``urls``,
        and counted among the run's articles at once (``reemitted``: among those an earlier
        run exported, written again changed), so that a killed run's are known (its file is
        then one the dataset must read)."""
        self.db.execute(
            "UPDATE runs SET articles = COALESCE(articles, 0) + 1,"
            " reemitted = COALESCE(reemitted, 0) + ? WHERE run_id = ?",
            (int(reemitted), run_id),
        )
        for url in dict.fromkeys(urls):
            self.db.execute(
                "INSERT INTO articles (url, canonical, first_seen, last_seen, content_hash,"
                " published_date, published_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET canonical = excluded.canonical,"
                " last_seen = excluded.last_seen, content_hash = excluded.content_hash,"
                " published_date = excluded.published_date,"
                " published_at = excluded.published_at",
                (url, canonical, now, now, digest, published.date, published.moment),
            )
            self.db.execute("DELETE FROM queue WHERE url = ?", (url,))
        self._written()

    def record_alias(self, url: str, canonical: str, now: str) -> None:
        """``url`` is another address of an article already exported (a duplicate)."""
        self.db.execute(
            "INSERT OR IGNORE INTO articles (url, canonical, first_seen, last_seen,"
            " content_hash, published_date, published_at) SELECT ?, canonical, ?, ?,"
            " content_hash, published_date, published_at FROM articles WHERE url = ?",
            (url, now, now, canonical),
        )
        self.db.execute("DELETE FROM queue WHERE url = ?", (url,))
        self._written()

    def record_seen(self, canonical: str, now: str) -> None:
        """The article was fetched again and found unchanged: as good as exported now."""
        self.db.execute("UPDATE articles SET last_seen = ? WHERE canonical = ?", (now, canonical))
        self._written()

    def record_failure(self, url: str, reason: str, run_id: str) -> None:
        """A page this run could not get, asked for again by later runs."""
        self.db.execute(
            "INSERT INTO queue (url, reason, failed_runs, last_run) VALUES (?, ?, 1, ?)"
            " ON CONFLICT(url) DO UPDATE SET reason = excluded.reason,"
            " failed_runs = failed_runs + (last_run IS NOT excluded.last_run),"
            " last_run = excluded.last_run",
            (url, reason, run_id),
        )
        self._written()

    def settle_failures(self, run_id: str, give_up_after: int, counts: bool) -> None:
        """At the end of a run: pages that failed for a reason asking again will not mend
        (:data:`PERMANENT`) in ``give_up_after`` runs are given up. A run that failed as a
        whole (the site down, say) ``counts`` for none of them: its 404s prove nothing."""
        if not counts:
            self.db.execute(
                "UPDATE queue SET failed_runs = failed_runs - 1 WHERE last_run = ?", (run_id,)
            )
            self.commit()
            return
        permanent = sorted(PERMANENT)
        rows = self.db.execute(
            "SELECT url, reason, failed_runs FROM queue WHERE last_run = ? AND given_up = 0"
            f" AND failed_runs >= ? AND reason IN ({', '.join('?' * len(permanent))})",
            (run_id, give_up_after, *permanent),
        ).fetchall()
        for url, reason, runs in rows:
            logger.warning("Giving up %s: %s in %d runs", url, reason, runs)
            self.db.execute("UPDATE queue SET given_up = 1 WHERE url = ?", (url,))
        self.commit()

    def record_skipped(self, url: str, published_date: str | None, categories: list[str]) -> None:
        """An article fetched and left out by a bound of the run (``since``,
        ``categories``): still to fetch, with what its page showed."""
        self.db.execute(
            "INSERT INTO queue (url, published_date, categories) VALUES (?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET published_date = excluded.published_date,"
            " categories = excluded.categories",
            (url, published_date, json.dumps(categories, ensure_ascii=False)),
        )
        self._written()

    def forget(self, url: str) -> None:
        self.db.execute("DELETE FROM queue WHERE url = ?", (url,))
        self._written()

    def refetch(self, urls: list[str]) -> None:
        """Exported articles to fetch again (a field went missing as the markup changed):
        no longer known, and first to fetch."""
        for url in urls:
            canonical = self.db.execute(
                "SELECT canonical FROM articles WHERE url = ?", (url,)
            ).fetchone()
            self.db.execute(
                "DELETE FROM articles WHERE canonical = ?", (canonical[0] if canonical else url,)
            )
            self.db.execute(
                "INSERT OR REPLACE INTO queue (url, reason) VALUES (?, 'field_missing')", (url,)
            )
        self.commit()

    def set_aside(self, url: str, reason: str) -> None:
        """``url`` is no article (a static page): known, not to fetch again."""
        self.db.execute(
            "INSERT OR REPLACE INTO queue (url, reason, given_up) VALUES (?, ?, 1)", (url, reason)
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

    def start_run(
        self, run_id: str, started_at: str, output: str | None, asked: Asked | None = None
    ) -> None:
        asked = asked or Asked()
        self.db.execute(
            "INSERT INTO runs (run_id, started_at, output, site, arguments, job)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, started_at, output, asked.site, json.dumps(asked.arguments), asked.job),
        )
        self.db.commit()

    def finish_run(
        self,
        run_id: str,
        finished_at: str,
        reason: str,
        report: str | None,
        problems: list[str],
        written: int,
        failed: int,
        field_fill: dict[str, float],
        backfill: Backfill | None = None,
        reemitted: int | None = None,
        warnings: list[str] | None = None,
        responses: Responses | None = None,
    ) -> None:
        """Record the run's end: ``written`` articles, ``reemitted`` of them exported by an
        earlier run and written again as their content changed (the ``articles`` column
        holds ``written``: kept under its name, as states of earlier versions have it),
        what it warned of, and its responses, the 403 and 429 among them."""
        progress = None if backfill is None else json.dumps(backfill.progress())
        responses = responses or Responses(0, 0)
        self.db.execute(
            "UPDATE runs SET finished_at = ?, finish_reason = ?, report = ?, verdict = ?,"
            " articles = ?, failed = ?, field_fill = ?, backfill = ?, reemitted = ?,"
            " warnings = ?, responses = ?, blocked = ? WHERE run_id = ?",
            (
                finished_at,
                reason,
                report,
                json.dumps(problems, ensure_ascii=False),
                written,
                failed,
                json.dumps(field_fill),
                progress,
                reemitted,
                json.dumps(warnings or [], ensure_ascii=False),
                responses.total,
                responses.blocked,
                run_id,
            ),
        )
        self.db.commit()

    def last_healthy_fill(self, minimum: int) -> dict[str, float] | None:
        """How full each field was in the last run that did not fail and exported at least
        ``minimum`` articles."""
        row = self.db.execute(
            "SELECT field_fill FROM runs WHERE verdict = '[]' AND articles >= ?"
            " ORDER BY started_at DESC LIMIT 1",
            (minimum,),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def published_between(self, since: datetime, until: datetime) -> set[str]:
        """The articles (canonical URLs) published after ``since``, up to ``until``."""
        rows = self.db.execute(
            "SELECT DISTINCT canonical FROM articles WHERE julianday(published_at)"
            " > julianday(?) AND julianday(published_at) <= julianday(?)",
            (since.isoformat(), until.isoformat()),
        )
        return {row[0] for row in rows}

    def publications(self, until: datetime) -> Publications:
        """What the state knows of when the site published, up to ``until`` (an article
        dated later has a wrong date)."""
        first, latest = self.db.execute(
            "SELECT datetime(min(julianday(published_at))), datetime(max(CASE WHEN"
            " julianday(published_at) <= julianday(?) THEN julianday(published_at) END))"
            " FROM articles",
            (until.isoformat(),),
        ).fetchone()
        since = self.db.execute("SELECT value FROM meta WHERE key = 'moments_since'").fetchone()
        start = in_utc(first) if first else None
        if start is not None and since:
            start = max(start, datetime.fromisoformat(since[0]))
        # Articles exported by an earlier format have their day only.
        (day,) = self.db.execute(
            "SELECT max(published_date) FROM articles WHERE published_at IS NULL"
            " AND published_date <= ?",
            (until.date().isoformat(),),
        ).fetchone()
        return Publications(start, in_utc(latest) if latest else None, day)

    def last_responses(self, runs: int) -> list[Responses]:
        """The responses of the last ``runs`` runs that had some, the latest first."""
        rows = self.db.execute(
            "SELECT responses, blocked FROM runs WHERE responses > 0"
            " ORDER BY started_at DESC LIMIT ?",
            (runs,),
        )
        return [Responses(total, blocked) for total, blocked in rows]

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


def in_utc(moment: str) -> datetime:
    """A moment SQLite's ``datetime()`` gives (UTC, without its offset)."""
    return datetime.fromisoformat(moment).replace(tzinfo=timezone.utc)


def _refuse_later_format(db: sqlite3.Connection) -> None:
    """A state a later version of the project wrote is not opened: its tables may mean
    what this version cannot know, and rewriting them would lose what it recorded."""
    row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    version = row[0].rpartition("-")[2] if row else "0"
    ours = FORMAT.rpartition("-")[2]
    if not version.isdigit() or int(version) > int(ours):
        raise LaterFormat(
            f"is in format {row[0]!r}, which this version of channel9 does not know"
            f" (it writes {FORMAT!r}): run the version that wrote it"
        )


def _acquire_lock(path: Path) -> IO[str]:
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise AlreadyRunning(
            f"Another crawl is running ({path} is held by {holder}): this one exits without"
            " touching the crawl state or the output.",
            holder,
        ) from None
    handle.truncate(0)
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    return handle
