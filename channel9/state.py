"""The crawl state: what earlier runs exported, what is still to fetch, how far each
category's walk got. One SQLite file, locked for one run at a time.

Writes are committed in batches: a run killed before a commit fetches those articles again
next time (at least once, never lost), because an article is recorded as exported only
after its line is in the run's file, and an article link is recorded as to fetch before
the listing page that showed it counts as walked.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import NotConfigured

from channel9 import signals as channel9_signals
from channel9.failures import PERMANENT, StartupError, asked_for, stop_run
from channel9.items import utc_now
from channel9.output import output_paths, unsafe_feeds
from channel9.urls import normalize

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

FORMAT = "channel9-state-2"
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    canonical TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    published_date TEXT
);
CREATE TABLE IF NOT EXISTS queue (
    url TEXT PRIMARY KEY,
    reason TEXT,
    failed_runs INTEGER NOT NULL DEFAULT 0,
    last_run TEXT,
    given_up INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS walks (
    category TEXT PRIMARY KEY,
    reached_end INTEGER NOT NULL DEFAULT 0,
    resume_url TEXT,
    resume_page INTEGER,
    anchor TEXT
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
    articles INTEGER,
    field_fill TEXT,
    failed INTEGER
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
    ("walks", "anchor", "TEXT"),
    ("runs", "articles", "INTEGER"),
    ("runs", "field_fill", "TEXT"),
    ("runs", "failed", "INTEGER"),
)
"""Columns added since the state's first format, added to an older state as it opens."""
COMMIT_EVERY = 50
COMMIT_SECONDS = 2.0


class StateError(StartupError):
    """The state file cannot be used: held by another run, damaged, or not writable."""


class AlreadyRunning(StateError):
    """Another crawl holds the state's lock."""


def content_hash(item: Mapping[str, Any]) -> str:
    """A digest of what an article says, so that an edit shows and a re-fetch does not."""
    content = [item.get(name) for name in CONTENT_FIELDS]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Walk:
    """How far a category's walk through its listing pages has come over the runs."""

    reached_end: bool
    resume_url: str | None
    resume_page: int | None
    anchors: tuple[str, ...] = ()
    """The articles of page 1 when the last walk from page 1 finished: those and every
    newer one were seen then, so a walk stops only once it has seen most of them again
    (most: one article promoted again to the top must not stop a walk early)."""


NEVER_WALKED = Walk(reached_end=False, resume_url=None, resume_page=None)


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

    def to_fetch(self) -> list[str]:
        """Articles found by earlier runs and not yet exported nor given up."""
        rows = self.db.execute("SELECT url FROM queue WHERE given_up = 0 ORDER BY url")
        return [row[0] for row in rows]

    def walk(self, category: str) -> Walk:
        row = self.db.execute(
            "SELECT reached_end, resume_url, resume_page, anchor FROM walks WHERE category = ?",
            (category,),
        ).fetchone()
        if row is None:
            return NEVER_WALKED
        return Walk(bool(row[0]), row[1], row[2], tuple(json.loads(row[3] or "[]")))

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

    def record_walked(self, category: str, resume_url: str | None, resume_page: int) -> None:
        """A listing page is done (its links recorded): a walk cut short is taken up at
        ``resume_url``; None when the walk has reached the end of the listing."""
        self.db.execute(
            "INSERT INTO walks VALUES (?, ?, ?, ?, NULL) ON CONFLICT(category) DO UPDATE SET"
            " reached_end = max(reached_end, excluded.reached_end),"
            " resume_url = excluded.resume_url, resume_page = excluded.resume_page",
            (category, resume_url is None, resume_url, resume_page if resume_url else None),
        )
        self._written()

    def record_anchors(self, category: str, anchors: list[str]) -> None:
        """A walk from page 1 finished: every article as new as these (its page 1) was
        seen."""
        self.db.execute(
            "INSERT INTO walks (category, anchor) VALUES (?, ?) ON CONFLICT(category)"
            " DO UPDATE SET anchor = excluded.anchor",
            (category, json.dumps(anchors)),
        )
        self._written()

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
            self.db.execute("DELETE FROM queue WHERE url = ?", (url,))
        self._written()

    def record_alias(self, url: str, canonical: str, now: str) -> None:
        """``url`` is another address of an article already exported (a duplicate)."""
        self.db.execute(
            "INSERT OR IGNORE INTO articles SELECT ?, canonical, ?, ?, content_hash,"
            " published_date FROM articles WHERE url = ?",
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

    def start_run(self, run_id: str, started_at: str, output: str | None) -> None:
        self.db.execute(
            "INSERT INTO runs (run_id, started_at, output) VALUES (?, ?, ?)",
            (run_id, started_at, output),
        )
        self.db.commit()

    def finish_run(
        self,
        run_id: str,
        finished_at: str,
        reason: str,
        report: str | None,
        problems: list[str],
        articles: int,
        failed: int,
        field_fill: dict[str, float],
    ) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, finish_reason = ?, report = ?, verdict = ?,"
            " articles = ?, failed = ?, field_fill = ? WHERE run_id = ?",
            (
                finished_at,
                reason,
                report,
                json.dumps(problems, ensure_ascii=False),
                articles,
                failed,
                json.dumps(field_fill),
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
    new: int | None
    failed: int | None

    @property
    def verdict(self) -> str:
        """``ok``, ``failed``, or ``unfinished``: running, or it ended without recording
        how (killed, or its state could not be written; the next run marks it killed)."""
        if self.problems is None:
            return "unfinished"
        return "failed" if self.problems else "ok"

    @property
    def output_gone(self) -> bool:
        """Its file is gone (deleted, or pruned by Scrapyd's ``jobs_to_keep``) though it
        exported articles (a run with nothing new writes no file; a killed one may not
        have): what only it held is lost to every dataset."""
        return bool(self.output and self.new) and not Path(str(self.output)).exists()

    @property
    def seconds(self) -> float | None:
        """How long it ran, when it recorded its end (a killed run's is when it was found)."""
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
    """Every run the state knows, oldest first."""
    columns = (
        *("run_id", "started_at", "finished_at", "finish_reason", "output", "report"),
        *("verdict", "articles", "failed"),
    )
    with reading(path) as db:
        # Read only: a state from before a column (see MIGRATIONS) gets it at the next crawl.
        present = {row[1] for row in db.execute("PRAGMA table_info(runs)")}
        chosen = ", ".join(name if name in present else "NULL" for name in columns)
        rows = db.execute(f"SELECT {chosen} FROM runs ORDER BY started_at, run_id").fetchall()
    return [
        Run(
            run_id=run_id,
            started_at=started_at,
            finished_at=finished_at,
            finish_reason=reason,
            output=output,
            report=report,
            problems=problems_of(verdict, path),
            new=new,
            failed=failed,
        )
        for run_id, started_at, finished_at, reason, output, report, verdict, new, failed in rows
    ]


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
            " touching the crawl state or the output."
        ) from None
    handle.truncate(0)
    handle.write(f"pid {os.getpid()}\n")
    handle.flush()
    return handle


class CrawlStateExtension:
    """Keeps the crawl state (``CHANNEL9_STATE``) through the run.

    An article counts as exported once every feed wrote its line (an item a feed could not
    write stays to fetch); a failed page is asked for again by later runs. Opening the
    state takes its lock: a second run at the same time cannot start.
    """

    def __init__(self, crawler: Crawler, store: CrawlState) -> None:
        self.crawler = crawler
        self.store = store
        self.first_run = store.is_empty()
        self.give_up_after = crawler.settings.getint("CHANNEL9_GIVE_UP_AFTER_RUNS")
        self.redirected: dict[str, list[str]] = {}
        """URLs that redirected to an article fetched under its own URL too, by article."""
        self.run_id = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("CHANNEL9_STATE")
        if crawler.settings.get("CHANNEL9_REPLAY"):
            raise NotConfigured("a replay neither reads nor writes the crawl state")
        if not path:
            raise NotConfigured("CHANNEL9_STATE is empty: no crawl state")
        extension = cls(crawler, CrawlState(path))
        for handler, signal in (
            (extension.spider_opened, signals.spider_opened),
            (extension.item_exported, channel9_signals.item_exported),
            (extension.item_dropped, signals.item_dropped),
            (extension.request_dropped, signals.request_dropped),
            (extension.page_failed, channel9_signals.page_failed),
            (extension.run_reported, channel9_signals.run_reported),
        ):
            crawler.signals.connect(handler, signal=signal)
        return extension

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """A crawl state that cannot be kept mid-run (a full disk, a bug) stops the run,
        which then fails (``state_error``), instead of a log line from a signal handler
        and a state that no longer tells what was exported."""
        try:
            yield
        except Exception:
            logger.exception("The crawl state could not be kept: stopping the run")
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("channel9/state_error")
            stop_run(self.crawler, "state_error")

    # Asked by the spider.

    def is_known(self, url: str) -> bool:
        return self.store.is_known(url)

    def exported_hash(self, url: str) -> str | None:
        return self.store.exported_hash(url)

    def exported_at(self, url: str) -> datetime | None:
        return self.store.exported_at(url)

    def lastmod(self, url: str) -> datetime | None:
        return self.store.lastmod(url)

    def record_lastmod(self, url: str, lastmod: datetime) -> None:
        with self._writing():
            self.store.record_lastmod(url, lastmod)

    def to_fetch(self) -> list[str]:
        return self.store.to_fetch()

    def walk(self, category: str) -> Walk:
        return self.store.walk(category)

    def record_found(self, urls: Iterable[str]) -> None:
        with self._writing():
            self.store.record_found(urls)

    def record_listed(self, category: str, label: str, urls: Iterable[str]) -> None:
        with self._writing():
            self.store.record_listed(category, label, urls)

    def record_walked(self, category: str, resume_url: str | None, resume_page: int) -> None:
        with self._writing():
            self.store.record_walked(category, resume_url, resume_page)

    def record_anchors(self, category: str, anchors: list[str]) -> None:
        with self._writing():
            self.store.record_anchors(category, anchors)

    def forget(self, url: str) -> None:
        """A page fetched right that this run exports nothing for (an article older than
        ``since``): not to fetch first next time."""
        with self._writing():
            self.store.forget(url)

    def set_aside(self, url: str, reason: str) -> None:
        with self._writing():
            self.store.set_aside(url, reason)

    # Told by signals.

    def spider_opened(self, spider: Spider) -> None:
        with self._writing():
            self.run_id = getattr(spider, "run_id", utc_now())
            outputs = output_paths(self.crawler)
            for uri in unsafe_feeds(self.crawler):
                logger.warning(
                    "The feed %s is not written item by item: no article counts as exported"
                    " and each run writes them all again (use .jsonl, .json, .csv or .xml)",
                    uri,
                )
            for unfinished in self.store.take_unfinished(utc_now()):
                set_aside_broken_tail(Path(unfinished))
            # Absolute: `scrapy runs` and `scrapy dataset` may run from another folder.
            output = str(Path(outputs[0]).resolve()) if outputs else None
            self.store.start_run(self.run_id, utc_now(), output)

    def item_exported(self, item: Any, response: Response) -> None:
        with self._writing():
            adapter = ItemAdapter(item)
            urls = [adapter["url"], response.url, *response.meta.get("redirect_urls", ())]
            urls = [normalize(url) for url in urls]
            urls += (old for url in urls for old in self.redirected.pop(url, ()))
            self.store.record_exported(
                urls,
                adapter["url"],
                content_hash(adapter),
                adapter.get("published_date"),
                utc_now(),
            )

    def item_dropped(self, item: Any, response: Response, exception: Exception) -> None:
        """An article already exported under another URL is remembered under this one
        too; a broken one is to fetch again; one not worth writing again is not."""
        with self._writing():
            assert response.request is not None
            url = normalize(asked_for(response.request))
            reason = getattr(exception, "reason", "dropped")
            if reason in ("duplicate", "unchanged"):
                canonical = normalize(ItemAdapter(item)["url"])
                for alias in (url, *self.redirected.pop(normalize(response.url), ())):
                    self.store.record_alias(alias, canonical, utc_now())
                if reason == "unchanged":
                    self.store.record_seen(canonical, utc_now())
            elif getattr(exception, "failure", True):
                self.store.record_failure(url, reason, self.run_id)
            else:
                self.store.forget(url)

    def request_dropped(self, request: Request) -> None:
        """A redirect to a page this run asked for already is dropped by Scrapy's
        duplicate filter, without callback: the URL it came from is that page's too."""
        with self._writing():
            if request.meta.get("redirect_urls"):
                origin, target = normalize(asked_for(request)), normalize(request.url)
                if self.store.is_known(target):
                    self.store.record_alias(origin, target, utc_now())
                else:
                    self.redirected.setdefault(target, []).append(origin)

    def page_failed(self, url: str, reason: str, kind: str, counts: bool) -> None:
        with self._writing():
            if kind == "article":
                self.store.record_failure(normalize(url), reason, self.run_id)

    def last_healthy_fill(self, minimum: int) -> dict[str, float] | None:
        return self.store.last_healthy_fill(minimum)

    def run_reported(
        self,
        run_id: str,
        finish_reason: str,
        report: str | None,
        problems: list[str],
        articles: int,
        failed: int,
        field_fill: dict[str, float],
        refetch: list[str],
    ) -> None:
        self.store.refetch(refetch)
        self.store.settle_failures(run_id, self.give_up_after, counts=not problems)
        report = report and str(Path(report).resolve())
        self.store.finish_run(
            run_id, utc_now(), finish_reason, report, problems, articles, failed, field_fill
        )
        self.store.close()


def set_aside_broken_tail(path: Path) -> None:
    """Moves a last line cut short (by a killed run, a full disk) into ``<file>.broken``,
    or at least off the file when the disk has no room for it."""
    if not path.is_file():  # gone, or a device (/dev/full, a pipe) that holds no lines
        return
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end == len(data):
        return
    with suppress(OSError):
        path.with_name(path.name + ".broken").write_bytes(data[end:])
    with path.open("r+b") as file:
        file.truncate(end)
    logger.warning("Set aside the cut-off last line of %s", path)
