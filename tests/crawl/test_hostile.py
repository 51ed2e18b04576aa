"""A hostile and broken web: each article that can be had is written once and right; each
that cannot is reported with its reason; nothing is fetched from another host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from channel9.demo.site import (
    CHALLENGE,
    DATABASE_ERROR,
    FakeSite,
    Reply,
    always,
    edited_page,
    first,
    serve,
    slow_first,
)
from tests.conftest import crawl_in_process, last_report, strip_capture

BROKEN_BYTES = "<body><!--\udcff\udcfe-->"  # bytes 0xff 0xfe: not UTF-8
NO_TITLE = r'<h1 class="mvp-post-title.*?</h1>'
NO_DATE = (
    r'<time.*?</time>|<span class="mvp-post-date">.*?</span>'
    r"|<meta [^>]*(?:published_time|dateModified)[^>]*>"
    r'|<script type="application/ld\+json">.*?</script>'
)


@pytest.fixture
def elsewhere() -> FakeSite:
    """Another host (127.0.0.2) that the crawl must never reach."""
    return FakeSite(count=1, seed=1)


@deferred_f_from_coro_f
async def test_faults_url_by_url(site: FakeSite, elsewhere: FakeSite, tmp_path: Path) -> None:
    slugs = list(reversed(site.order))
    path = {index: f"/{slug}/" for index, slug in enumerate(slugs)}
    with serve(elsewhere, host="127.0.0.2") as other_host, serve(site) as base_url:
        cut = edited_page(site, path[8], lambda page: page[: page.index('id="mvp-post-content"')])
        faults = {
            0: first(2, Reply(503, b"busy")),
            1: first(1, Reply(500, b"oops")),
            2: always(Reply(502, b"bad gateway")),
            3: first(3, Reply(504, b"timeout")),
            4: first(1, Reply(429, b"slow down", {"Retry-After": "1"})),
            5: first(1, Reply(200, CHALLENGE)),
            6: always(Reply(200, CHALLENGE)),
            7: always(Reply(200, DATABASE_ERROR)),
            8: cut,
            9: slow_first(3),
            10: first(1, Reply(0, b"")),
            11: always(Reply(302, b"", {"Location": f"BASE{path[11]}"})),
            12: always(Reply(302, b"", {"Location": f"{other_host}/"})),
            13: always(Reply(200, b"<html>" + b"x" * 300_000 + b"</html>")),
            14: always(Reply(200, b"%PDF-1.4 ...", {"Content-Type": "application/pdf"})),
            15: edited_page(site, path[15], lambda page: page.replace("<body>", BROKEN_BYTES)),
            16: edited_page(site, path[16], lambda page: re.sub(NO_TITLE, "", page)),
            17: edited_page(site, path[17], lambda page: re.sub(NO_DATE, "", page)),
        }  # fmt: skip
        for index, fault in faults.items():
            site.overrides[path[index]] = fault
        run = await crawl_in_process(
            tmp_path,
            base_url,
            *("-O", "out.jsonl", "-s", "DOWNLOAD_TIMEOUT=1", "-s", "DOWNLOAD_MAXSIZE=200000"),
        )

    items = {item["url"]: item for item in run.items("out.jsonl")}
    report = last_report(tmp_path)
    failures = {entry["url"]: entry["reason"] for entry in report["failures"]}
    expected = site.expected(base_url)
    failing = {
        2: "http_502",
        6: "challenge_page",
        7: "error_page",
        8: "cut_short",
        11: "redirect_loop",
        12: "offsite",
        13: "too_large",
        14: "not_html",
    }
    assert failures == {f"{base_url}{path[index]}": reason for index, reason in failing.items()}
    missing_date = expected[f"{base_url}{path[17]}"]
    missing_date.update(published_date=None, published_at=None, published_raw=None)
    missing_date["published_source"] = None
    for index, slug in enumerate(slugs):
        url = f"{base_url}/{slug}/"
        if index in failing:
            assert url not in items
            continue
        item = items.pop(url)
        strip_capture(item)
        assert item == expected[url], index
    assert items == {}
    assert elsewhere.requests == []
    assert report["failed"] == len(failing)
    assert run.returncode == 1  # 8 of 40 articles failed: above the 10% a run may lose


@deferred_f_from_coro_f
async def test_robots_txt_answering_5xx_disallows_the_site(site: FakeSite, tmp_path: Path) -> None:
    site.overrides["/robots.txt"] = always(Reply(503, b"down"))
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl", "-s", "RETRY_TIMES=0")

    assert "robots.txt answered 503: treating" in run.log
    assert set(site.requests) == {"/robots.txt"}
    assert run.returncode == 1


@deferred_f_from_coro_f
async def test_crawl_opens_no_listening_port(base_url: str, tmp_path: Path) -> None:
    run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl", "-s", "LOG_LEVEL=DEBUG")

    assert run.returncode == 0
    assert "Enabled extensions:" in run.log
    assert "Telnet console listening" not in run.log
    assert "TelnetConsole" not in run.log
    assert "RemoteControl" not in run.log
