"""The project's middlewares, pipelines, crawl state and run report, in-process, each
built by Scrapy from a crawler with the project's add-on."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import sqlite3
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Headers, HtmlResponse, Response
from scrapy.responsetypes import responsetypes
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from channel9 import signals
from channel9.addon import Channel9
from channel9.crawl.arguments import Arguments, BadArgument
from channel9.crawl.middlewares import (
    BackoffMiddleware,
    CallbackErrorMiddleware,
    RedirectGuardMiddleware,
    SizeGuardedCompressionMiddleware,
    StrictRobotsTxtMiddleware,
)
from channel9.failures import Refused, reason_of
from channel9.incremental.extension import CrawlStateExtension
from channel9.incremental.store import CrawlState, Door, Published, content_hash
from channel9.items import Article
from channel9.pipelines import (
    Dropped,
    DuplicatesPipeline,
    RequiredFieldsPipeline,
    UnchangedPipeline,
)
from channel9.reasons import Reason
from channel9.run.report import RunReport
from channel9.spiders.channel9 import Channel9Spider

SITE = "http://127.0.0.1:8000"


@pytest.fixture
def crawler(tmp_path: Path) -> Crawler:
    """A crawler of the project's spider, with its add-on, state and output in tmp_path."""
    crawler = get_crawler(
        Channel9Spider,
        {
            "ADDONS": {Channel9: 0},
            "CHANNEL9_STATE": str(tmp_path / "state.sqlite3"),
            "CHANNEL9_OUTPUT": str(tmp_path / "%(name)s-%(run_id)s.jsonl"),
            "CHANNEL9_DATA_DIR": str(tmp_path),
        },
    )
    crawler.spider = Channel9Spider.from_crawler(crawler, base_url=SITE)
    return crawler


def redirect(url: str, location: str, earlier: int = 0) -> tuple[Request, Response]:
    request = Request(url, meta={"redirect_urls": [f"{SITE}/hop-{n}/" for n in range(earlier)]})
    return request, Response(url, status=301, headers={"Location": location})


@pytest.mark.parametrize(
    ("location", "earlier", "reason"),
    [
        ("http://elsewhere.example/a/", 0, Reason.OFFSITE),
        ("http://127.0.0.1:8312/a/", 0, Reason.OFFSITE),
        (f"{SITE}/a/", 0, Reason.REDIRECT_LOOP),
        (f"{SITE}/hop-1/", 3, Reason.REDIRECT_LOOP),
        (f"{SITE}/b/", 20, Reason.REDIRECT_LOOP),
    ],
)
def test_redirect_guard_names_redirects_it_refuses(
    crawler: Crawler, location: str, earlier: int, reason: Reason
) -> None:
    guard = RedirectGuardMiddleware.from_crawler(crawler)
    with pytest.raises(Refused) as refused:
        guard.process_response(*redirect(f"{SITE}/a/", location, earlier))
    assert refused.value.reason is reason


def test_redirect_guard_lets_a_redirect_on_the_site_through(crawler: Crawler) -> None:
    guard = RedirectGuardMiddleware.from_crawler(crawler)
    request, response = redirect(f"{SITE}/old/", "/new/", earlier=19)
    assert guard.process_response(request, response) is response


def test_a_body_that_unpacks_past_the_limit_is_too_large(crawler: Crawler) -> None:
    crawler.settings.frozen = False
    crawler.settings.set("DOWNLOAD_MAXSIZE", 100_000)
    middleware = SizeGuardedCompressionMiddleware.from_crawler(crawler)
    headers = {"Content-Encoding": "gzip"}
    bomb = Response(f"{SITE}/a/", body=gzip.compress(b" " * 1_000_000), headers=headers)
    small = Response(f"{SITE}/b/", body=gzip.compress(b"<p>ok</p>"), headers=headers)

    with pytest.raises(Refused) as refused:
        middleware.process_response(Request(bomb.url), bomb)
    assert refused.value.reason is Reason.TOO_LARGE
    assert middleware.process_response(Request(small.url), small).body == b"<p>ok</p>"


PAGE = b"<html><head><meta charset=utf-8></head><body><p>Berita hari ini</p></body></html>" * 50
PACKED = gzip.compress(PAGE)
HTML = {"Content-Type": "text/html"}


@dataclass
class Unpacking:
    """A response to unpack, and whether the project's middleware unpacks it itself."""

    encoding: str
    body: bytes
    fast: bool
    headers: dict[str, str] = field(default_factory=lambda: dict(HTML))
    meta: dict[str, float] = field(default_factory=dict)
    spider: dict[str, int] = field(default_factory=dict)
    method: str = "GET"


UNPACKINGS = {
    "gzip": Unpacking("gzip", PACKED, True),
    "x-gzip": Unpacking("x-gzip", PACKED, True),
    "spelt-apart": Unpacking(" GZIP ", PACKED, True),
    "empty": Unpacking("gzip", gzip.compress(b""), True),
    "octet-stream": Unpacking("gzip", PACKED, True, {"Content-Type": "application/octet-stream"}),
    "no-content-type": Unpacking(
        "gzip", gzip.compress(b"\x89PNG\r\n\x1a\n" + bytes(300)), True, {}
    ),
    "past-warning-size": Unpacking("gzip", gzip.compress(b" " * 150_000), True),
    "at-the-limit": Unpacking("gzip", gzip.compress(b" " * 500_000), True),
    "a-byte-past-the-limit": Unpacking("gzip", gzip.compress(b" " * 500_001), False),
    "far-past-the-limit": Unpacking("gzip", gzip.compress(b" " * 1_000_000), False),
    "request-limit": Unpacking("gzip", PACKED, False, meta={"download_maxsize": 1000}),
    "request-warning-size": Unpacking("gzip", PACKED, True, meta={"download_warnsize": 1000}),
    "request-limit-below-0": Unpacking("gzip", PACKED, False, meta={"download_maxsize": -1}),
    "request-limit-a-float": Unpacking("gzip", PACKED, False, meta={"download_maxsize": 1e6}),
    "request-limit-past-a-word": Unpacking("gzip", PACKED, False, meta={"download_maxsize": 2**63}),
    "request-warning-size-a-float": Unpacking(
        "gzip", PACKED, True, meta={"download_warnsize": 1000.0}
    ),
    "spider-limit": Unpacking("gzip", PACKED, False, spider={"download_maxsize": 1000}),
    "spider-warning-size": Unpacking("gzip", PACKED, True, spider={"download_warnsize": 1000}),
    "head": Unpacking("gzip", PACKED, False, method="HEAD"),
    "cut-short": Unpacking("gzip", PACKED[:-300], False),  # Scrapy keeps what came
    "wrong-checksum": Unpacking("gzip", PACKED[:-8] + bytes(8), False),  # the same
    "two-members": Unpacking("gzip", PACKED + PACKED, False),  # Scrapy reads both
    "bytes-after": Unpacking("gzip", PACKED + b"garbage", False),
    "not-gzip": Unpacking("gzip", PAGE, False),
    "gzipped-twice": Unpacking("gzip, gzip", gzip.compress(PACKED), False),
    "a-trailing-comma": Unpacking("gzip,", PACKED, False),
    "deflate": Unpacking("deflate", PACKED, False),
    "brotli": Unpacking("br", PACKED, False),
    "identity": Unpacking("identity", PAGE, False),
}


@pytest.mark.parametrize("case", UNPACKINGS.values(), ids=UNPACKINGS)
def test_a_gzipped_body_is_unpacked_as_scrapys_middleware_unpacks_it(
    crawler: Crawler,
    case: Unpacking,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    crawler.settings.frozen = False
    crawler.settings.set("DOWNLOAD_MAXSIZE", 500_000)
    crawler.settings.set("DOWNLOAD_WARNSIZE", 100_000)
    spider = SimpleNamespace(**case.spider)

    def answer(kind: type[HttpCompressionMiddleware]) -> tuple[Any, ...]:
        crawler.stats = StatsCollector(crawler)
        middleware = kind.from_crawler(crawler)
        with warnings.catch_warnings():  # Scrapy's, of the spider's limits
            warnings.simplefilter("ignore")
            middleware.open_spider(spider)  # type: ignore[arg-type]
        caplog.clear()
        headers = {**case.headers, "Content-Encoding": case.encoding}
        request = Request(f"{SITE}/a/", method=case.method, meta=case.meta)
        # The class the downloader gives the response, by its headers.
        arrived = responsetypes.from_args(headers=Headers(headers), url=request.url)
        try:
            got = middleware.process_response(
                request, arrived(request.url, body=case.body, headers=headers)
            )
        except IgnoreRequest:  # ours names it (Refused), Scrapy's does not
            return ("ignored", crawler.stats.get_stats())
        except Exception as error:  # what Scrapy's decoders raise at bytes they cannot read
            return (type(error), crawler.stats.get_stats())
        assert isinstance(got, Response)
        # Scrapy's warning of an encoding it cannot decode names the middleware's class.
        said = [
            (record.name, record.getMessage().replace(kind.__name__, "the middleware"))
            for record in caplog.records
        ]
        text = getattr(got, "encoding", None)
        return (type(got), got.body, got.headers, text, crawler.stats.get_stats(), said)

    expected = answer(HttpCompressionMiddleware)
    if case.fast:  # Scrapy's gunzip is not asked
        monkeypatch.setattr("scrapy.downloadermiddlewares.httpcompression.gunzip", None)
    assert answer(SizeGuardedCompressionMiddleware) == expected


INCOMPLETE_CODES = bytes.fromhex(
    "1f8b08000000000000ffede0db922449922ccb02" + "00" * 48 + "01" + "00" * 78 + "10"
    + "00" * 14 + "2008d7198a0702000000"
)  # fmt: skip
"""A gzip member of ``aa`` (its CRC-32 and length right) whose Huffman codes do not fill
their space: zlib refuses it ("invalid literal/lengths set"), ISA-L reads it."""


def test_a_gzip_member_zlib_refuses_is_read_when_its_checksum_holds(crawler: Crawler) -> None:
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    middlewares = (SizeGuardedCompressionMiddleware, HttpCompressionMiddleware)
    ours, scrapys = (kind.from_crawler(crawler) for kind in middlewares)

    def sent() -> HtmlResponse:
        return HtmlResponse(f"{SITE}/a/", body=INCOMPLETE_CODES, headers=headers)

    with pytest.raises(zlib.error, match="invalid literal/lengths set"):
        scrapys.process_response(Request(f"{SITE}/a/"), sent())
    assert ours.process_response(Request(f"{SITE}/a/"), sent()).body == b"aa"


def failure_of(error: Exception, response: Response | None = None) -> Failure:
    try:
        raise error
    except Exception:
        return Failure()


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (HttpError(Response(SITE, status=503), "503"), "http_503"),
        (Refused(Reason.OFFSITE), "offsite"),
        (DownloadTimeoutError(), "timeout"),
        (DownloadConnectionRefusedError(), "connection_refused"),
        (CannotResolveHostError(), "dns_error"),
        (DownloadCancelledError(), "too_large"),
        (IgnoreRequest("why not"), "ignored"),
        (ValueError("odd"), "download_error"),
    ],
)
def test_each_failure_has_its_reason(error: Exception, reason: str) -> None:
    assert reason_of(failure_of(error)) == reason


def test_a_callback_that_raised_is_a_named_failure(crawler: Crawler) -> None:
    heard: list[dict[str, Any]] = []

    def hear(**failure: Any) -> None:
        heard.append(failure)

    crawler.signals.connect(hear, signal=signals.page_failed)
    middleware = CallbackErrorMiddleware.from_crawler(crawler)
    request = Request(f"{SITE}/a/", meta={"kind": "listing"})
    response = HtmlResponse(request.url, request=request, body=b"<html></html>")

    assert middleware.process_spider_exception(response, ValueError("bug")) == []
    assert [(h["url"], h["reason"], h["kind"], h["counts"]) for h in heard] == [
        (f"{SITE}/a/", "callback_error", "listing", True)
    ]
    assert crawler.stats is not None
    assert crawler.stats.get_value("channel9/failed/callback_error") == 1


def article(url: str = f"{SITE}/a/", **fields: Any) -> Article:
    return Article(url=url, title=fields.pop("title", "Judul"), text="Isi.", **fields)


def test_an_item_without_a_title_is_dropped_as_a_failure(crawler: Crawler) -> None:
    pipeline = RequiredFieldsPipeline.from_crawler(crawler)
    with pytest.raises(Dropped) as dropped:
        pipeline.process_item(article(title=None))
    assert (dropped.value.reason, dropped.value.failure) == ("no_title", True)
    assert crawler.stats is not None
    assert crawler.stats.get_value("channel9/dropped/no_title") == 1


def test_an_article_reached_twice_is_written_once(crawler: Crawler) -> None:
    pipeline = DuplicatesPipeline.from_crawler(crawler)
    pipeline.process_item(article())
    with pytest.raises(Dropped) as dropped:
        pipeline.process_item(article())
    assert (dropped.value.reason, dropped.value.failure) == ("duplicate", False)


def test_an_unchanged_article_is_not_written_again(crawler: Crawler) -> None:
    state = crawler.get_extension(CrawlStateExtension)
    assert state is not None
    exported = article()
    state.store.record_exported(
        [exported.url], exported.url, content_hash(vars(exported)), Published(), "t", "r"
    )
    pipeline = UnchangedPipeline.from_crawler(crawler)

    with pytest.raises(Dropped) as dropped:
        pipeline.process_item(article())
    assert dropped.value.reason == "unchanged"
    edited = article(title="Judul diperbaiki")
    assert pipeline.process_item(edited) is edited


def test_state_remembers_what_to_fetch_and_how_far_each_door_was_read(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "state.sqlite3")
    state.record_found([f"{SITE}/a/", f"{SITE}/b/"])
    state.record_exported([f"{SITE}/a/"], f"{SITE}/a/", "hash", Published("2026-11-20"), "t", "r")
    state.record_found([f"{SITE}/a/"])
    state.record_door("listing:politik")
    state.record_walked("listing:nasional", f"{SITE}/category/nasional/page/3/", 3, "t1")
    state.record_walked("listing:opini", None, 4, "t2")
    state.record_door("feed:https://channel9.id/feed/")
    state.record_read("feed:https://channel9.id/feed/", "t3")
    state.close()

    again = CrawlState(tmp_path / "state.sqlite3")
    assert again.to_fetch() == [(f"{SITE}/b/", None, [])]
    assert again.is_known(f"{SITE}/a/")
    assert not again.is_known(f"{SITE}/b/")
    nasional = f"{SITE}/category/nasional/page/3/"
    assert again.door("listing:nasional") == Door("listing:nasional", False, nasional, 3)
    assert again.door("listing:opini") == Door("listing:opini", True)
    assert again.door("listing:politik") == Door("listing:politik")
    assert again.door("listing:hukum") == Door("listing:hukum")
    backfill = again.backfill()
    assert (backfill.doors_known, backfill.doors_complete) == (4, 2)
    assert backfill.incomplete == ("listing:nasional", "listing:politik")
    assert (backfill.articles_known, backfill.articles_exported) == (2, 1)
    assert not backfill.complete
    again.close()


def test_state_gives_up_a_permanent_failure_after_the_runs_it_is_given(tmp_path: Path) -> None:
    state = CrawlState(tmp_path / "state.sqlite3")
    gone, busy = f"{SITE}/gone/", f"{SITE}/busy/"
    for run, healthy in (("r1", True), ("r2", False), ("r3", True)):
        state.record_failure(gone, "http_404", run)
        state.record_failure(gone, "http_404", run)  # twice in one run counts once
        state.record_failure(busy, "http_503", run)
        state.settle_failures(run, give_up_after=2, counts=healthy)
        if run == "r2":
            # The site was down: r2 proves nothing.
            assert state.to_fetch() == [(busy, None, []), (gone, None, [])]
    assert state.to_fetch() == [(busy, None, [])]
    assert state.is_known(gone)
    state.close()


def test_report_verdict(crawler: Crawler) -> None:
    report = crawler.get_extension(RunReport)
    assert report is not None and crawler.stats is not None
    crawler.stats.set_value("channel9/fetched/article", 30)
    crawler.stats.set_value("channel9/fetched/listing", 5)
    report.written = report.complete = 30
    for number in range(20):
        report.page_failed(f"{SITE}/old-{number}/", "http_503", "article", counts=False)
    assert report.verdict("finished") == []

    opini = f"{SITE}/category/opini/page/3/"
    report.page_failed(opini, "http_503", "listing", counts=True, tries=5, door="listing:opini")
    report.page_failed(f"{SITE}/", "timeout", "home", counts=True)
    crawler.stats.set_value("channel9/robots_unavailable", 1)
    crawler.stats.set_value("feedexport/failed_count/FileFeedStorage", 1)
    report.complete = 20
    assert report.verdict("shutdown") == [
        "it ended early (shutdown)",
        f"the home page {SITE}/ could not be used (timeout)",
        "robots.txt could not be fetched, so the site counts as disallowed",
        "the output could not be written",
        f"the door listing:opini could not be read to its end (http_503 at {opini}): the"
        " next run takes it up",
        "only 67% of items have a title, a date and text (has the page layout changed?)",
    ]


def test_report_fails_a_run_that_lost_more_than_its_share(crawler: Crawler) -> None:
    report = crawler.get_extension(RunReport)
    assert report is not None and crawler.stats is not None
    crawler.stats.set_value("channel9/fetched/article", 8)
    report.written = report.complete = 8
    for number in range(2):
        report.page_failed(f"{SITE}/new-{number}/", "http_503", "article", counts=True)
    assert report.verdict("finished") == ["2 of 10 pages failed"]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, Arguments()),
        (
            {"base_url": "http://127.0.0.1:8000/", "categories": " opini, ,politik "},
            Arguments(base_url="http://127.0.0.1:8000", categories=("opini", "politik")),
        ),
        ({"max_pages": "2", "full": "yes"}, Arguments(max_pages=2, full=True)),
        ({"_job": "abc"}, Arguments(passed_on={"_job": "abc"})),
    ],
)
def test_arguments_read(given: dict[str, str], expected: Arguments) -> None:
    assert Arguments.parse(given) == expected


def test_a_bad_argument_is_refused_by_the_spider_too() -> None:
    with pytest.raises(BadArgument, match="since='21/1/2022' is not a day as YYYY-MM-DD"):
        Channel9Spider(since="21/1/2022")


def test_a_state_that_cannot_be_written_mid_run_stops_the_run_said_once(
    crawler: Crawler, caplog: pytest.LogCaptureFixture
) -> None:
    state = crawler.get_extension(CrawlStateExtension)
    assert state is not None and crawler.stats is not None
    state.store.db.close()

    with caplog.at_level(logging.DEBUG):
        for slug in "abc":  # a full disk fails every write while the queue drains
            state.record_found([f"{SITE}/{slug}/"])

    assert crawler.stats.get_value("channel9/state_error") == 3
    said = [record for record in caplog.records if "could not be kept" in record.getMessage()]
    assert [record.levelname for record in said] == ["ERROR", "DEBUG", "DEBUG"]


def test_an_error_in_a_signal_handler_fails_the_run(crawler: Crawler) -> None:
    report = crawler.get_extension(RunReport)
    assert report is not None and crawler.stats is not None
    report.written = 1

    def broken(**_: Any) -> None:
        raise ValueError("bug")

    crawler.signals.connect(broken, signal=signals.page_failed)
    report.start_keeping_errors()  # as the engine's start does
    crawler.signals.send_catch_log(signals.page_failed, url=SITE, reason="x", kind="x", counts=0)
    report.stop_keeping_errors()
    assert (
        report.verdict("finished")[-1]
        == "1 errors in signal handlers (the first: ValueError('bug'))"
    )


def test_backoff_holds_the_site_back_for_as_long_as_it_asked(
    crawler: Crawler, monkeypatch: pytest.MonkeyPatch
) -> None:
    slot = Slot(concurrency=2, delay=1.0, jitter=0)
    crawler.engine = SimpleNamespace(downloader=SimpleNamespace(slots={"site": slot}))  # type: ignore[assignment]
    backoff = BackoffMiddleware.from_crawler(crawler)
    now = [100.0]
    monkeypatch.setattr("channel9.crawl.middlewares.time.monotonic", lambda: now[0])
    request = Request(f"{SITE}/a/", meta={"download_slot": "site"})

    busy = Response(request.url, status=429, headers={"Retry-After": "30"})
    backoff.process_response(request, busy)
    assert slot.delay == 30
    slot.delay = 2.0  # AutoThrottle lowers the delay on the next answer...
    now[0] = 120.0
    backoff.process_response(request, Response(request.url, status=200))
    assert slot.delay == 30  # ...but the site asked for 30 s
    now[0] = 131.0
    backoff.process_response(request, Response(request.url, status=200))
    assert slot.delay == 1.0


def test_a_state_that_cannot_record_the_run_fails_it(
    crawler: Crawler, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = crawler.get_extension(RunReport)
    state = crawler.get_extension(CrawlStateExtension)
    assert report is not None and state is not None
    report.written = report.complete = 1

    def full(*_: Any, **__: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(state.store, "settle_failures", full)
    report.close("finished")
    problem = (
        "the crawl state could not record the run (OperationalError('database or disk is full'))"
    )
    assert report.problems == [problem]
    (written,) = tmp_path.glob("channel9-*.report.json")
    assert json.loads(written.read_text(encoding="utf-8"))["failed_run"] == [problem]


class RaisingRobotParser(ProtegoRobotParser):
    """A robots.txt parser that fails on any robots.txt a site serves (a third-party
    parser's bug; Scrapy builds one from an empty body as it starts)."""

    def __init__(self, robotstxt_body: bytes, spider: Any = None) -> None:
        if robotstxt_body:
            raise ValueError("bad robots.txt")
        super().__init__(robotstxt_body, spider)


@deferred_f_from_coro_f
async def test_requests_waiting_on_a_robots_txt_that_failed_fail_too_never_wait() -> None:
    crawler = get_crawler(
        settings_dict={
            "ROBOTSTXT_OBEY": True,
            "ROBOTSTXT_PARSER": f"{__name__}.RaisingRobotParser",
        }
    )
    crawler.stats = StatsCollector(crawler)
    robots = StrictRobotsTxtMiddleware(crawler)

    async def download_async(request: Request) -> Response:
        await asyncio.sleep(0.05)
        return HtmlResponse(request.url, body=b"User-agent: *\nDisallow: /x", request=request)

    crawler.engine = SimpleNamespace(download_async=download_async)  # type: ignore[assignment]
    asked = [
        asyncio.ensure_future(robots.process_request(Request(f"https://a.example/{n}")))
        for n in (1, 2)
    ]
    done, waiting = await asyncio.wait(asked, timeout=5)

    assert not waiting
    assert [str(task.exception()) for task in done] == ["bad robots.txt"] * 2
    assert robots.robots_txt == {}  # the next request asks for robots.txt again
