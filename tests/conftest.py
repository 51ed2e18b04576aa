"""Shared test helpers: the fake site on 127.0.0.1, the real ``scrapy crawl`` and the same
crawl in the test's process, the lines of run files and archive files."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn
from unittest import mock

import pytest
import scrapy.cmdline
from jsonschema import Draft202012Validator
from scrapy import Request
from scrapy.cmdline import execute
from scrapy.crawler import CrawlerRunner
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.conf import feed_process_params_from_cli
from scrapy.utils.defer import maybe_deferred_to_future

from channel9 import signals
from channel9.archive.warc import WarcFiles
from channel9.commands.crawl import judge
from channel9.dataset.build import CAPTURE, DERIVED_FIELDS
from channel9.demo.site import FakeSite, serve
from channel9.run.report import RunReport

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
FAST = [
    *("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"),
    *("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16", "-s", "CHANNEL9_BACKOFF_BASE=0.01"),
    # The fake sites' articles are dated at fixed moments: how they compare with the
    # weeks before today, and their age, would change with the day the tests run. The
    # warnings of a quiet run and a stale site have tests of their own (test_history.py).
    *("-s", "CHANNEL9_QUIET_WEEKS=0", "-s", "CHANNEL9_STALE_AFTER=0"),
]


STATE = "data/channel9-state.sqlite3"
FORMAT_3 = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO meta VALUES ('format', 'channel9-state-3');"
    "CREATE TABLE articles (url TEXT PRIMARY KEY, canonical TEXT NOT NULL,"
    " first_seen TEXT NOT NULL, last_seen TEXT NOT NULL, content_hash TEXT NOT NULL,"
    " published_date TEXT);"
)
"""The meta and articles tables of a crawl state of format 3, as an earlier version
wrote them (no run recorded what it was asked, no article its moment)."""
SITE = "https://channel9.id"


def article(slug: str, day: str | None = "2024-05-01", **fields: Any) -> dict[str, Any]:
    """An article as a run file holds it."""
    return {
        "url": f"{SITE}/{slug}/",
        "title": f"Judul {slug}",
        "category": "Nasional",
        "categories": ["Nasional"],
        "tags": [],
        "author": None,
        "published_date": day,
        "published_at": None,
        "published_raw": day,
        "published_source": "time" if day else None,
        "modified_at": None,
        "dateline": None,
        "text": "Paragraf satu.\n\nParagraf dua.",
        "editor": None,
        "image_url": None,
        "image_caption": None,
        "crawled_at": "2024-05-03T01:02:03+00:00",
        "warc_filename": None,
        "warc_record_offset": None,
        "warc_record_length": None,
        **fields,
    }


def built_lines(path: Path) -> bytes:
    """A JSON Lines dataset's lines without the columns the build adds to the articles
    (``DERIVED_FIELDS``): as the run files held them."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return lines(*({k: v for k, v in row.items() if k not in DERIVED_FIELDS} for row in rows))


def lines(*articles: dict[str, Any]) -> bytes:
    """The articles as a run file's lines."""
    return b"".join(json.dumps(a, ensure_ascii=False).encode() + b"\n" for a in articles)


def archived(folder: Path, count: int) -> Path:
    """An archive file holding ``count`` pages, ``http://127.0.0.1/<n>/`` fetched on the
    n+1st of January 2026."""
    files = WarcFiles(folder, "run", 10**9, {})
    for n in range(count):
        url = f"http://127.0.0.1/{n}/"
        body = random.Random(n).randbytes(3000)
        moment = datetime(2026, 1, 1 + n, tzinfo=timezone.utc)
        files.write(Request(url), HtmlResponse(url, body=body), moment)
    (path,) = files.close()
    return path


def run_files(workdir: Path) -> list[Path]:
    return sorted((workdir / "data").glob("channel9-*.jsonl"))


def items_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def report_of(path: Path) -> dict[str, Any]:
    return json.loads(path.with_name(path.stem + ".report.json").read_text(encoding="utf-8"))


def strip_capture(item: dict[str, Any]) -> str:
    """Takes the capture's fields out of ``item`` (to compare what the page says); its
    ``crawled_at``."""
    crawled_at = item["crawled_at"]
    for name in CAPTURE:
        item.pop(name, None)
    return str(crawled_at)


def last_report(workdir: Path, runs_back: int = 0) -> dict[str, Any]:
    """The report of the last run under ``data/``, or of the run ``runs_back`` before it."""
    reports = sorted((workdir / "data").glob("channel9-*.report.json"))
    return json.loads(reports[-1 - runs_back].read_text(encoding="utf-8"))


@dataclass
class Crawl:
    """A finished ``scrapy crawl channel9`` run."""

    returncode: int
    log: str
    workdir: Path

    def items(self, path: str | Path) -> list[dict[str, Any]]:
        lines = (self.workdir / path).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]


def scrapy_command(
    workdir: Path, *args: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Runs ``scrapy ARGS`` in ``workdir``, in the project, as a person types it."""
    return subprocess.run(
        [SCRAPY, *args],
        cwd=workdir,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class NoCrawlerProcess:
    """Scrapy's crawler process in a command run in the test's process: any use fails the test.

    None can run there (the test's reactor does), yet Scrapy's command line makes one for
    every command that may crawl, ``scrapy extract`` of WARC files included."""

    def __init__(self, *_: Any, **__: Any) -> None:
        pass

    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"the command would crawl (.{name}): use crawl_in_process")


class NoCrawlerProcessMade(NoCrawlerProcess):
    """Scrapy's crawler process for a command line refused before it is made: making it
    fails the test, as it would print Scrapy's banner before the refusal."""

    def __init__(self, *_: Any, **__: Any) -> None:
        raise AssertionError("the command line was not refused: it made a crawler process")


def command_in_process(
    workdir: Path, *args: str, env: dict[str, str] | None = None, refused: bool = False
) -> subprocess.CompletedProcess[str]:
    """Runs ``scrapy ARGS`` as :func:`scrapy_command` does, through Scrapy's own command
    line (``scrapy.cmdline.execute``), but in this process: its exit status, stdout and
    stderr, without a second of start-up. For the commands that start no crawl
    (``dataset``, ``runs``, ``extract`` of WARC files): one that would crawl fails the test
    (:class:`NoCrawlerProcess`); a crawl runs in process with :func:`crawl_in_process`.
    A command line that must be ``refused`` before Scrapy makes its crawler process fails
    the test if it is made (:class:`NoCrawlerProcessMade`)."""
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    # stdout with the bytes buffer under it, as a process has (scrapy extract writes there).
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)
    stderr = io.StringIO()
    stand_in = NoCrawlerProcessMade if refused else NoCrawlerProcess
    # A command may set Scrapy's logging up (a refused crawl's --logfile): its handlers and
    # level go with it, not to the tests that follow in this worker.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    os.environ.update({"SCRAPY_SETTINGS_MODULE": "channel9.settings", **(env or {})})
    os.chdir(workdir)
    try:
        with (
            contextlib.redirect_stdout(stdout),
            contextlib.redirect_stderr(stderr),
            mock.patch.object(scrapy.cmdline, "AsyncCrawlerProcess", stand_in),
            mock.patch.object(scrapy.cmdline, "CrawlerProcess", stand_in),
        ):
            try:
                execute(["scrapy", *args])
            except SystemExit as done:
                code = done.code
            else:
                code = 0
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for handler in set(root.handlers) - set(handlers):
            root.removeHandler(handler)
            handler.close()
        root.setLevel(level)
    if isinstance(code, str):  # as Python's exit does: the message on stderr, status 1
        stderr.write(f"{code}\n")
    status = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(
        ["scrapy", *args], status, stdout.buffer.getvalue().decode(), stderr.getvalue()
    )


def crawl(
    workdir: Path, base_url: str, *args: str, timeout: float = 120, prefix: Sequence[str] = ()
) -> Crawl:
    """Runs the project's crawl in a subprocess, in ``workdir``, against ``base_url``
    (``prefix``: a command that runs it, such as ``setpriv``)."""
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"}
    command = [*prefix, SCRAPY, "crawl", "channel9", "-a", f"base_url={base_url}", *FAST, *args]
    started = time.time()
    done = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout
    )
    check_schema(workdir, since=started)
    return Crawl(done.returncode, done.stderr + done.stdout, workdir)


@dataclass
class InProcessCrawl(Crawl):
    """A finished crawl run in the test's process, with what ``scrapy crawl`` would have
    said of it: its exit status (``returncode``) and ``verdict``."""

    verdict: str
    stats: dict[str, Any]
    report: dict[str, Any] | None
    """The run report it wrote (None: it could not write one)."""


async def crawl_in_process(
    workdir: Path, base_url: str, *args: str, timeout: float = 120
) -> InProcessCrawl:
    """Runs the project's crawl as :func:`crawl` does, in this process: no start-up to wait for.

    It runs on the test session's reactor (pytest-twisted's): a test awaits it, an
    ``async def`` test function made a Deferred one by Scrapy's ``deferred_f_from_coro_f``.

    ``args`` are those of ``scrapy crawl`` that a test gives: ``-a``, ``-s``, ``-o`` and
    ``-O``. The project's settings and add-on are those of the command, the log is the
    one it would write at ``LOG_LEVEL``, and the exit status and verdict are the command's
    own (:func:`channel9.commands.crawl.judge`). For what only the command does (a refusal
    before the crawl starts, the verdict's line, a signal or a kill) use :func:`crawl`."""
    settings = Settings()
    settings.setmodule("channel9.settings", priority="project")
    spider_args: dict[str, str] = {}
    feeds: dict[str, list[str]] = {"-o": [], "-O": []}
    options = [*FAST, *args]
    for option, value in zip(options[::2], options[1::2], strict=True):
        if option in ("-o", "-O"):
            feeds[option].append(value)
            continue
        name, given = value.split("=", 1)
        if option == "-s":
            settings.set(name, given, priority="cmdline")
        else:
            spider_args[name] = given
    if feeds["-o"] or feeds["-O"]:
        # As Scrapy's crawl command reads -o and -O.
        params = feed_process_params_from_cli(settings, feeds["-o"], overwrite_output=feeds["-O"])
        settings.set("FEEDS", params, priority="cmdline")
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter(settings["LOG_FORMAT"], settings["LOG_DATEFORMAT"]))
    root = logging.getLogger()
    level = root.level
    reports: list[str | None] = []

    def reported(report: str | None, **_: Any) -> None:
        reports.append(report)

    started = time.time()
    here = Path.cwd()
    os.chdir(workdir)  # as the command's: data/, the crawl state and -O are relative to it
    root.addHandler(handler)
    root.setLevel(settings["LOG_LEVEL"])
    try:
        runner = CrawlerRunner(settings)
        crawler = runner.create_crawler("channel9")
        crawler.signals.connect(reported, signal=signals.run_reported)
        crawling = maybe_deferred_to_future(runner.crawl(crawler, base_url=base_url, **spider_args))
        try:
            await asyncio.wait_for(asyncio.shield(crawling), timeout)
        except asyncio.TimeoutError:
            await crawler.stop_async()
            await crawling
            raise AssertionError(f"the crawl was still running after {timeout} s") from None
        report = crawler.get_extension(RunReport)
        assert report is not None
        returncode, verdict = judge(report)
    finally:
        root.setLevel(level)
        root.removeHandler(handler)
        os.chdir(here)
    check_schema(workdir, since=started)
    assert crawler.stats is not None
    written = reports[0] if reports else None
    return InProcessCrawl(
        returncode,
        log.getvalue(),
        workdir,
        verdict,
        crawler.stats.get_stats(),
        json.loads((workdir / written).read_text(encoding="utf-8")) if written else None,
    )


class FullDisk(io.FileIO):
    """A file on a disk with ``room`` bytes left."""

    room = 0

    def write(self, data: Any) -> int:
        if self.room <= 0:
            raise OSError(28, "No space left on device")
        written = super().write(bytes(data[: self.room]))
        self.room -= written
        return written


SCHEMA = Draft202012Validator(
    json.loads((Path(__file__).parent.parent / "channel9" / "schema.json").read_text()),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)


def check_schema(workdir: Path, since: float) -> None:
    """Every item a crawl wrote to a JSON Lines file is valid against the item's schema."""
    for path in workdir.rglob("*.jsonl"):
        if path.is_file() and path.stat().st_mtime >= since - 1:
            for line in path.read_text(encoding="utf-8").splitlines():
                SCHEMA.validate(json.loads(line))


def interrupt(
    workdir: Path, base_url: str, site: FakeSite, after: int, signal: int, *args: str
) -> int:
    """Starts a slow crawl (one request at a time, 0.05 s apart) in a subprocess, sends it
    ``signal`` once the site has had ``after`` requests, and waits for it to end."""
    slow = ["-s", "DOWNLOAD_DELAY=0.05", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    process = subprocess.Popen(
        [SCRAPY, "crawl", "channel9", "-a", f"base_url={base_url}", *FAST, *slow, *args],
        cwd=workdir,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(site.requests) < after and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal)
    return process.wait(timeout=60)


@pytest.fixture
def site() -> FakeSite:
    return FakeSite(count=40)


@pytest.fixture
def base_url(site: FakeSite) -> Iterator[str]:
    with serve(site) as url:
        yield url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest tests (marked ``slow``) first: with the workers of ``-n 4`` sharing two
    cores, a long test handed out last keeps the suite running alone at its end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
