"""Real faults a scheduled run meets: nothing is lost, and a run that did not do its job
says so in its report and its exit status."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from channel9.demo.site import (
    CATEGORIES,
    CHALLENGE,
    FEATURED,
    PER_PAGE,
    UNKNOWN_LENGTH,
    FakeSite,
    Reply,
    always,
    edited_page,
    list_also,
    serve,
)
from tests.conftest import (
    FAST,
    SCRAPY,
    STATE,
    command_in_process,
    crawl,
    crawl_in_process,
    interrupt,
    items_of,
    last_report,
    run_files,
    strip_capture,
)

FILE_SIZE_LIMIT = ("prlimit", "--fsize=20000")
"""Runs a command on a disk that fills once a file has 20,000 bytes."""


def written_urls(workdir: Path) -> list[str]:
    """Every URL of every run file, as often as written."""
    return sorted(item["url"] for path in run_files(workdir) for item in items_of(path))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@deferred_f_from_coro_f
async def test_first_run_cut_short_is_completed_by_later_runs(tmp_path: Path) -> None:
    site = FakeSite(count=300, seed=3)  # 50 articles a category: 5 listing pages each
    deep = [f"/category/{slug}/page/{number}/" for slug in CATEGORIES for number in (3, 4, 5)]
    with serve(site) as base_url:
        for path in deep:
            site.overrides[path] = always(Reply(503, b"busy"))
        first = await crawl_in_process(tmp_path, base_url, "-s", "RETRY_TIMES=0")
        first_report = last_report(tmp_path)
        site.overrides.clear()
        second = await crawl_in_process(tmp_path, base_url)
        third = await crawl_in_process(tmp_path, base_url)

    assert (first.returncode, second.returncode, third.returncode) == (1, 0, 0)
    assert {entry["url"] for entry in first_report["failures"]} == {
        f"{base_url}/category/{slug}/page/3/" for slug in CATEGORIES
    }
    assert written_urls(tmp_path) == sorted(site.expected(base_url))
    assert last_report(tmp_path)["written"] == 0


@pytest.mark.parametrize(
    ("cut", "first_status"),
    [
        (("-s", "RETRY_TIMES=0"), 1),  # with page 3 of each listing failing
        (("-a", "max_pages=2"), 0),
    ],
    ids=["listing-failed", "max_pages"],
)
@deferred_f_from_coro_f
async def test_later_walk_cut_short_is_made_up_by_the_next_runs(
    cut: tuple[str, str], first_status: int, tmp_path: Path
) -> None:
    site = FakeSite(count=60, seed=8)
    with serve(site) as base_url:
        await crawl_in_process(tmp_path, base_url)
        for _ in range(210):  # 35 new articles a category or more: three listing pages
            site.add_article()
        if cut[1] == "RETRY_TIMES=0":
            for slug in CATEGORIES:
                site.overrides[f"/category/{slug}/page/3/"] = always(Reply(503, b"busy"))
        cut_short = await crawl_in_process(tmp_path, base_url, *cut)
        site.overrides.clear()
        later = [await crawl_in_process(tmp_path, base_url) for _ in range(2)]

    assert [cut_short.returncode, *(run.returncode for run in later)] == [first_status, 0, 0]
    assert written_urls(tmp_path) == sorted(site.expected(base_url))


@deferred_f_from_coro_f
async def test_full_disk_fails_the_run_and_records_nothing_unwritten(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    (tmp_path / "out.jsonl").symlink_to("/dev/full")
    full = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")
    report = json.dumps(last_report(tmp_path), ensure_ascii=False)
    (tmp_path / "out.jsonl").unlink()
    again = await crawl_in_process(tmp_path, base_url, "-O", "again.jsonl")

    assert full.returncode == 1, full.log
    assert "the output could not be written ([Errno 28] No space left on device)" in report
    assert again.returncode == 0, again.log
    assert sorted(item["url"] for item in again.items("again.jsonl")) == sorted(
        site.expected(base_url)
    )


def test_a_disk_that_fills_mid_run_leaves_only_whole_lines(base_url: str, tmp_path: Path) -> None:
    no_archive_or_state = ["-s", "CHANNEL9_ARCHIVE=", "-s", "CHANNEL9_STATE="]
    full = crawl(
        tmp_path, base_url, "-O", "out.jsonl", *no_archive_or_state, prefix=FILE_SIZE_LIMIT
    )

    assert full.returncode == 1, full.log
    data = (tmp_path / "out.jsonl").read_bytes()
    assert 0 < len(data) <= 20_000
    assert data.endswith(b"\n")
    assert all(json.loads(line)["title"] for line in data.splitlines())


@deferred_f_from_coro_f
async def test_a_state_whose_setting_up_the_disk_cut_short_is_set_up_again(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    state = tmp_path / STATE
    state.parent.mkdir()
    db = sqlite3.connect(state)
    db.execute("CREATE TABLE meta (key TEXT)")
    db.execute("DROP TABLE meta")  # a database file, with no table left in it
    db.commit()
    db.close()

    run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")

    assert run.returncode == 0, run.log
    assert len(run.items("out.jsonl")) == len(site.expected(base_url))


@deferred_f_from_coro_f
async def test_unreachable_site_fails_every_run(base_url: str, tmp_path: Path) -> None:
    await crawl_in_process(tmp_path, base_url)
    dead = f"http://127.0.0.1:{free_port()}"
    run = await crawl_in_process(tmp_path, dead, "-s", "RETRY_TIMES=0")

    assert run.returncode == 1
    assert last_report(tmp_path)["failed_run"] == [
        f"the home page {dead}/ could not be used (robots)",
        "the site could not be reached (connection_refused)",
        "1 of 1 pages failed",
    ]


@deferred_f_from_coro_f
async def test_home_page_failing_fails_the_run(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url)
    site.overrides["/"] = always(Reply(503, b"busy"))
    run = await crawl_in_process(tmp_path, base_url, "-s", "RETRY_TIMES=0")

    assert run.returncode == 1
    assert last_report(tmp_path)["failed_run"] == [
        f"the home page {base_url}/ could not be used (http_503)",
        "1 of 1 pages failed",
    ]


@deferred_f_from_coro_f
async def test_links_off_the_site_are_not_followed_and_do_not_stop_the_page(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    other = FakeSite(count=1, seed=5)
    with serve(other) as other_url:
        odd = [
            "mailto:redaksi@channel9.id",
            "javascript:void(0)",
            "tel:+62215551234",
            f"ftp://{base_url.split('//')[1]}/berkas/",
            f"{other_url}/{other.order[0]}/",
            f"{base_url.replace('127.0.0.1', 'localhost')}/lain/",
        ]
        list_also(site, "/category/nasional/", odd)
        run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")

    assert run.returncode == 0, run.log
    assert sorted(item["url"] for item in run.items("out.jsonl")) == sorted(site.expected(base_url))
    assert other.requests == []


@deferred_f_from_coro_f
async def test_url_variants_are_one_article(site: FakeSite, base_url: str, tmp_path: Path) -> None:
    slug = site.order[0]
    variants = [f"BASE/{slug}/?utm_source=wa&utm_medium=share", f"BASE/{slug}/#comments"]
    list_also(site, f"/category/{site.articles[slug].category}/", variants)
    first = await crawl_in_process(tmp_path, base_url)
    requested = len(site.requests)
    second = await crawl_in_process(tmp_path, base_url)

    assert first.returncode == second.returncode == 0
    assert written_urls(tmp_path) == sorted(site.expected(base_url))
    assert all("utm_" not in path for path in site.requests)
    assert f"/{slug}/" in site.requests
    articles_again = [
        path for path in site.requests[requested:] if path.strip("/") in site.articles
    ]
    assert articles_again == []


@deferred_f_from_coro_f
async def test_page_too_deep_to_read_whole_is_a_named_failure(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    slug = site.order[3]
    nested = "<div>" * 100_000 + "<p>Terlalu dalam.</p>" + "</div>" * 100_000
    site.overrides[f"/{slug}/"] = edited_page(
        site,
        f"/{slug}/",
        lambda page: page.replace('class="left relative">', f'class="left relative">{nested}', 1),
    )
    run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")

    assert run.returncode == 0, run.log
    report = last_report(tmp_path)
    assert report["failures"] == [
        {"url": f"{base_url}/{slug}/", "reason": "too_deep", "tries": 1, "earlier_failure": False}
    ]
    assert f"{base_url}/{slug}/" not in {item["url"] for item in run.items("out.jsonl")}


def cut_page(site: FakeSite, path: str, hits: int) -> Callable[[int], Reply]:
    """The page cut short in the middle of its body for ``hits`` requests, each time at
    another place; whole after."""

    def fault(hit: int) -> Reply:
        body = site.page(path).body
        if hit > hits:
            return Reply(200, body)
        return Reply(200, body[: body.index(b"</p>") + hit])

    return fault


async def assert_named_failure(
    site: FakeSite,
    base_url: str,
    tmp_path: Path,
    fault: Callable[[int], Reply | None],
    reason: str,
) -> None:
    """A crawl where one article is served with ``fault``: it fails by ``reason`` after
    its three tries and is not exported, and the run is ok."""
    slug = site.order[3]
    site.overrides[f"/{slug}/"] = fault
    run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")
    # One page of 40 failing does not fail the run (CHANNEL9_MAX_FAILED_SHARE): the next
    # run asks for it again.
    assert run.returncode == 0, run.log
    assert last_report(tmp_path)["failures"] == [
        {"url": f"{base_url}/{slug}/", "reason": reason, "tries": 3, "earlier_failure": False}
    ]
    assert f"{base_url}/{slug}/" not in {item["url"] for item in run.items("out.jsonl")}


@deferred_f_from_coro_f
async def test_an_article_cut_short_is_asked_for_again_and_exported_whole(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    slug = site.order[3]
    site.overrides[f"/{slug}/"] = cut_page(site, f"/{slug}/", hits=1)
    run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")

    assert run.returncode == 0, run.log
    items = {item["url"]: item for item in run.items("out.jsonl")}
    assert (
        items[f"{base_url}/{slug}/"]["text"]
        == site.expected(base_url)[f"{base_url}/{slug}/"]["text"]
    )
    assert site.requests.count(f"/{slug}/") == 2


@deferred_f_from_coro_f
async def test_an_article_cut_short_at_every_try_is_a_named_failure(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    path = f"/{site.order[3]}/"
    await assert_named_failure(site, base_url, tmp_path, cut_page(site, path, hits=99), "cut_short")


@deferred_f_from_coro_f
async def test_a_site_that_prints_no_closing_html_tag_is_read_whole(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    site.closes_html = False
    run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")

    assert run.returncode == 0, run.log
    expected = site.expected(base_url)
    items = run.items("out.jsonl")
    assert len(items) == 40
    for item in items:
        strip_capture(item)
        assert item == expected[item["url"]]
    # Each article asked for twice: the same page twice is the site's own.
    assert {site.requests.count(f"/{slug}/") for slug in site.order} == {2}


@deferred_f_from_coro_f
async def test_an_article_cut_at_the_same_place_every_time_is_a_named_failure(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    path = f"/{site.order[3]}/"
    cut = edited_page(site, path, lambda page: page[: page.index("</p>") + 40])
    await assert_named_failure(site, base_url, tmp_path, cut, "cut_short")


@deferred_f_from_coro_f
async def test_wordpress_fatal_error_page_after_a_cut_is_a_named_failure(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    path = f"/{site.order[3]}/"
    fatal = (
        "<!DOCTYPE html><html><head><title>WordPress &rsaquo; Error</title></head>"
        '<body id="error-page">'
        '<div class="wp-die-message"><p>There has been a critical error on this website.</p></div>'
        "</body></html>"
    )
    # Cut inside the ad's script: the message becomes script text, yet the page is whole.
    cut = edited_page(site, path, lambda page: page[: page.index("adsbygoogle ||")] + fatal)
    await assert_named_failure(site, base_url, tmp_path, cut, "error_page")


@deferred_f_from_coro_f
async def test_days_are_told_in_the_sites_time_zone(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    run = await crawl_in_process(
        tmp_path, base_url, "-O", "out.jsonl", "-s", "CHANNEL9_TIMEZONE=America/New_York"
    )

    assert run.returncode == 0, run.log
    new_york = ZoneInfo("America/New_York")
    expected = site.expected(base_url)
    for item in run.items("out.jsonl"):
        want = expected[item["url"]]
        if want["published_at"]:  # a moment: told in New York's time, its day New York's
            moment = datetime.fromisoformat(want["published_at"]).astimezone(new_york)
            want["published_at"] = moment.isoformat()
            want["published_date"] = moment.date().isoformat()
        strip_capture(item)
        assert item == want


@deferred_f_from_coro_f
async def test_article_gone_for_good_is_given_up_and_fails_no_later_run(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    slug = site.order[-1]
    site.overrides[f"/{slug}/"] = always(Reply(404, b"gone"))
    runs = [await crawl_in_process(tmp_path, base_url) for _ in range(4)]

    assert [run.returncode for run in runs] == [0, 0, 0, 0]
    assert site.requests.count(f"/{slug}/") == 3


@deferred_f_from_coro_f
async def test_failure_reasons_are_named_under_the_url_asked_for(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    big, bomb, chain = (f"/{slug}/" for slug in site.order[:3])
    site.overrides[big] = always(
        Reply(200, b"<html>" + b"x" * 300_000 + b"</html>", {"Content-Length": UNKNOWN_LENGTH})
    )
    site.overrides[bomb] = always(
        Reply(200, gzip.compress(b" " * 3_000_000), {"Content-Encoding": "gzip"})
    )
    for hop in range(30):
        site.overrides[f"{chain}?hop={hop}"] = always(
            Reply(302, b"", {"Location": f"BASE{chain}?hop={hop + 1}"})
        )
    site.overrides[chain] = always(Reply(302, b"", {"Location": f"BASE{chain}?hop=0"}))
    run = await crawl_in_process(
        tmp_path, base_url, "-O", "out.jsonl", "-s", "DOWNLOAD_MAXSIZE=200000"
    )

    report = last_report(tmp_path)
    failures = {entry["url"]: entry["reason"] for entry in report["failures"]}
    assert failures == {
        f"{base_url}{big}": "too_large",
        f"{base_url}{bomb}": "too_large",
        f"{base_url}{chain}": "redirect_loop",
    }
    # Three failed pages are within CHANNEL9_MAX_FAILED_SHARE (a tenth): the run is
    # ok, with every other article written.
    assert (run.returncode, report["failed_run"]) == (0, []), run.log
    written = sorted(item["url"] for item in run.items("out.jsonl"))
    assert written == sorted(set(site.expected(base_url)) - set(failures))


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("max_pages=abc", "max_pages='abc' is not a whole number of pages, 1 or more"),
        ("max_pages=0", "max_pages='0' is not a whole number of pages, 1 or more"),
        ("max_pages=-1", "max_pages='-1' is not a whole number of pages, 1 or more"),
        ("since=2022-13-01", "since='2022-13-01' is not a day as YYYY-MM-DD"),
        ("since=20220101", "since='20220101' is not a day as YYYY-MM-DD"),
        ("full=maybe", "full='maybe': give 1 or 0"),
        ("base_url=ftp://x", "base_url='ftp://x' is not an http(s) address of a site"),
        ("base_url=file:///tmp", "base_url='file:///tmp' is not an http(s) address of a site"),
        ("base_url=http://h/?", "base_url='http://h/?': give the site's address without ? or #"),
        ("categoris=opini", "unknown argument 'categoris'"),
        ("-s CHANNEL9_MAX_FAILED_SHARE=abc", "CHANNEL9_MAX_FAILED_SHARE='abc' is not a number"),
        ("-s CHANNEL9_GIVE_UP_AFTER_RUNS=x", "CHANNEL9_GIVE_UP_AFTER_RUNS='x' is not a number"),
    ],
)
def test_bad_argument_stops_before_anything_is_written(
    argument: str, message: str, base_url: str, tmp_path: Path
) -> None:
    option = argument.split()
    given = option if len(option) == 2 else ["-a", argument]
    done = command_in_process(
        tmp_path, "crawl", "channel9", "-a", f"base_url={base_url}", *given, refused=True
    )

    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"scrapy crawl: error: cannot start: {message}")
    assert done.stderr.count("\n") == 1, done.stderr
    assert not (tmp_path / "data").exists()


def damage_index(path: Path) -> None:
    db = sqlite3.connect(path)
    (root,) = db.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_articles_1'"
    ).fetchone()
    (page_size,) = db.execute("PRAGMA page_size").fetchone()
    db.close()
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size + 8)
        file.write(b"\xff" * 64)


def damage_header(path: Path) -> None:
    with path.open("r+b") as file:
        file.write(b"not a database!!")


@pytest.mark.parametrize(
    ("damage", "prefix", "message"),
    [
        (damage_index, (), "it is damaged"),
        (damage_header, (), "it is damaged, sqlite says: file is not a database"),
        (lambda path: path.write_bytes(b""), (), "the file is empty"),
        (
            lambda path: path.chmod(0o444),
            ("setpriv", "--bounding-set=-dac_override,-dac_read_search"),
            "sqlite says: attempt to write a readonly database",
        ),
    ],
    ids=["index", "header", "empty", "read-only"],
)
@deferred_f_from_coro_f
async def test_unusable_state_stops_the_run_and_stays_as_it_was(
    damage: object, prefix: tuple[str, ...], message: str, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url, "-a", "categories=opini")
    state = tmp_path / STATE
    damage(state)  # type: ignore[operator]
    (tmp_path / f"{STATE}.lock").chmod(0o666)
    before = state.read_bytes()
    run = crawl(tmp_path, base_url, prefix=prefix)

    assert run.returncode == 2, run.log
    assert f"the crawl state {STATE} cannot be used ({message}" in run.log
    assert "Traceback" not in run.log
    assert state.read_bytes() == before
    assert len(run_files(tmp_path)) == 1


def test_second_ctrl_c_still_writes_the_report_and_fails_the_run(tmp_path: Path) -> None:
    site = FakeSite(count=60, seed=6)
    with serve(site) as base_url:
        command = [SCRAPY, "crawl", "channel9", "-a", f"base_url={base_url}", *FAST]
        slow = ["-s", "DOWNLOAD_DELAY=0.2", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
        process = subprocess.Popen(
            [*command, *slow],
            cwd=tmp_path,
            env={**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while len(site.requests) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        returncode = process.wait(timeout=60)

    assert returncode == 1
    assert last_report(tmp_path)["finish_reason"] == "shutdown"


@deferred_f_from_coro_f
async def test_a_paused_and_resumed_job_gets_every_article(tmp_path: Path) -> None:
    site = FakeSite(count=60, seed=6)
    job = ["-s", "JOBDIR=jobs/backfill"]
    with serve(site) as base_url:
        # Paused as docs/operations.md says: Ctrl-C once, then the same command.
        paused = interrupt(tmp_path, base_url, site, 25, signal.SIGINT, *job)
        paused_report = last_report(tmp_path)
        site.requests.clear()
        resumed = await crawl_in_process(tmp_path, base_url, *job)

    assert (paused, resumed.returncode) == (1, 0), resumed.log
    assert (paused_report["finish_reason"], last_report(tmp_path)["finish_reason"]) == (
        "shutdown",
        "finished",
    )
    # The job folder kept the paused job's queue, and the same command took it up.
    queued = re.search(r"Resuming crawl \((\d+) requests scheduled\)", resumed.log)
    assert queued is not None and int(queued[1]) > 0, resumed.log
    paused_file, _ = run_files(tmp_path)
    before = [item["url"] for item in items_of(paused_file)]
    assert 0 < len(before) < len(site.order)
    # Every article written once, and none the paused job wrote asked for again.
    assert written_urls(tmp_path) == sorted(site.expected(base_url))
    assert [url for url in before if url.removeprefix(base_url) in site.requests] == []


@deferred_f_from_coro_f
async def test_a_resumed_job_reads_its_queued_articles_as_the_paused_one_would(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=60, seed=6)
    job = ["-s", "JOBDIR=jobs/backfill"]
    with serve(site) as base_url:
        # Interrupted once: paused, its queue kept in JOBDIR.
        interrupt(tmp_path, base_url, site, 25, signal.SIGINT, *job)
        # The home page, whose menu names the categories, answers after the queued articles.
        site.overrides["/"] = lambda hit: time.sleep(0.5)
        resumed = await crawl_in_process(tmp_path, base_url, *job)

    assert resumed.returncode == 0, resumed.log
    expected = site.expected(base_url)
    items = [item for path in run_files(tmp_path) for item in items_of(path)]
    assert sorted(item["url"] for item in items) == sorted(expected)
    for item in items:
        strip_capture(item)
        assert item == expected[item["url"]]


@deferred_f_from_coro_f
async def test_content_retries_are_counted_apart_from_http_retries(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    slug = site.order[2]
    replies = {1: Reply(503, b"busy"), 2: Reply(503, b"busy"), 3: Reply(200, CHALLENGE)}
    site.overrides[f"/{slug}/"] = replies.get
    run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")

    assert run.returncode == 0, run.log
    assert f"{base_url}/{slug}/" in {item["url"] for item in run.items("out.jsonl")}
    assert site.requests.count(f"/{slug}/") == 4


@deferred_f_from_coro_f
async def test_a_redirect_to_an_article_fetched_anyway_is_remembered(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    slug = site.order[0]
    list_also(site, f"/category/{site.articles[slug].category}/", ["BASE/lama/"])
    site.overrides["/lama/"] = always(Reply(301, b"", {"Location": f"BASE/{slug}/"}))
    first = await crawl_in_process(tmp_path, base_url)
    second = await crawl_in_process(tmp_path, base_url)

    assert first.returncode == second.returncode == 0, second.log
    assert site.requests.count("/lama/") == 1
    assert written_urls(tmp_path) == sorted(site.expected(base_url))


@deferred_f_from_coro_f
async def test_an_output_that_cannot_be_opened_fails_the_run_and_records_nothing(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    (tmp_path / "notafolder").write_text("")
    failed = await crawl_in_process(tmp_path, base_url, "-O", "notafolder/out.jsonl")
    again = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")

    assert failed.returncode == 1
    assert (
        last_report(tmp_path, runs_back=1)["failed_run"][-1]
        == "nothing was exported on a first run"
    )
    assert again.returncode == 0, again.log
    assert sorted(item["url"] for item in again.items("out.jsonl")) == sorted(
        site.expected(base_url)
    )


@deferred_f_from_coro_f
async def test_a_csv_feed_that_cannot_write_fails_the_run(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    # Without a crawl state: with one, a CSV feed is refused (no dataset reads it back).
    (tmp_path / "out.csv").symlink_to("/dev/full")
    run = await crawl_in_process(tmp_path, base_url, "-O", "out.csv", "-s", "CHANNEL9_STATE=")

    assert run.returncode == 1, run.log
    assert last_report(tmp_path)["failed_run"] == [
        "it ended early (feed_error)",
        "the output could not be written ([Errno 28] No space left on device)",
        "nothing was exported on a first run",
    ]


@deferred_f_from_coro_f
async def test_runs_with_the_site_down_do_not_give_up_its_pages(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    slug = site.order[-1]
    site.overrides[f"/{slug}/"] = always(Reply(503, b"busy"))
    await crawl_in_process(tmp_path, base_url, "-s", "RETRY_TIMES=0")
    for path in ("/", *(f"/{article}/" for article in site.articles)):
        site.overrides[path] = always(Reply(404, b"gone"))
    outage = [await crawl_in_process(tmp_path, base_url) for _ in range(3)]
    site.overrides.clear()
    back = await crawl_in_process(tmp_path, base_url)

    assert [run.returncode for run in outage] == [1, 1, 1]
    assert back.returncode == 0, back.log
    assert written_urls(tmp_path) == sorted(site.expected(base_url))


@deferred_f_from_coro_f
async def test_a_link_too_long_to_ask_for_is_a_failure_until_given_up(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    long = f"/{'panjang-' * 300}/"
    list_also(site, "/category/opini/", [f"BASE{long}"])
    failures = []
    for _ in range(4):
        run = await crawl_in_process(tmp_path, base_url)
        assert run.returncode == 0, run.log
        failures.append(last_report(tmp_path)["failures"])

    failed = {"url": f"{base_url}{long}", "reason": "url_too_long", "tries": 1}
    assert failures == [
        [{**failed, "earlier_failure": False}],
        [{**failed, "earlier_failure": True}],
        [{**failed, "earlier_failure": True}],
        [],
    ]


@deferred_f_from_coro_f
async def test_robots_txt_redirected_off_the_site_disallows_it(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    site.overrides["/robots.txt"] = always(Reply(302, b"", {"Location": "http://elsewhere.test/"}))
    run = await crawl_in_process(tmp_path, base_url, "-O", "out.jsonl")

    assert run.returncode == 1
    assert "robots.txt could not be fetched (Refused): treating" in run.log
    assert set(site.requests) == {"/robots.txt"}


@deferred_f_from_coro_f
async def test_new_articles_in_standard_wordpress_markup_are_exported_right(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url)
    site.theme = False
    new = [site.add_article() for _ in range(5)]
    switched = await crawl_in_process(tmp_path, base_url)

    assert switched.returncode == 0, switched.log
    expected = site.expected(base_url)
    items = items_of(run_files(tmp_path)[-1])
    assert sorted(item["url"] for item in items) == sorted(
        f"{base_url}/{article.slug}/" for article in new
    )
    for item in items:
        strip_capture(item)
        assert item == expected[item["url"]]


def builder_items(site: FakeSite, base_url: str, items: list[dict[str, Any]]) -> None:
    """Items read from the page builder's layout: every field the general extractor and
    the page's head give, as the theme gives them; category, tags and caption, which only
    the theme's markup held, empty."""
    expected = site.expected(base_url)
    unknown: dict[str, Any] = {
        "category": None,
        "categories": [],
        "tags": [],
        "image_caption": None,
    }
    for item in items:
        strip_capture(item)
        assert item == {
            **expected[item["url"]],
            **unknown,
            "published_raw": item["published_at"],
            "published_source": "meta",
        }


@deferred_f_from_coro_f
async def test_articles_in_a_page_builder_layout_are_read_by_the_general_extractor(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    site.theme, site.builder = False, True
    first = await crawl_in_process(tmp_path, base_url)

    assert first.returncode == 0, first.log
    items = items_of(run_files(tmp_path)[-1])
    assert len(items) == 40
    builder_items(site, base_url, items)
    assert last_report(tmp_path)["field_sources"]["text"] == {"extractor": 40}
    assert first.verdict == (
        "40 new articles (40 read by the general extractor: markup the site's selectors do"
        " not know)"
    )


@deferred_f_from_coro_f
async def test_a_theme_turned_page_builder_fails_the_run_and_exports_its_articles(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url)
    site.theme, site.builder = False, True
    new = [site.add_article() for _ in range(5)]
    switched = await crawl_in_process(tmp_path, base_url)

    assert switched.returncode == 1
    items = items_of(run_files(tmp_path)[-1])
    assert sorted(item["url"] for item in items) == sorted(
        f"{base_url}/{article.slug}/" for article in new
    )
    builder_items(site, base_url, items)
    assert (
        "the site's selectors read the text of 100% of the articles of the last healthy run"
        " and of 0 of 5 now (the general extractor read 5; they were exported): has the"
        " site's markup changed?"
    ) in last_report(tmp_path)["failed_run"]


@deferred_f_from_coro_f
async def test_new_articles_in_unknown_markup_fail_the_run_and_are_asked_for_again(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url)
    new = [site.add_article() for _ in range(5)]
    for article in new:
        site.overrides[f"/{article.slug}/"] = always(
            Reply(
                200,
                f"<html><body><div><h1>{article.title}</h1><p>Isi.</p></div></body></html>".encode(),
            )
        )
    unknown = await crawl_in_process(tmp_path, base_url)
    still = await crawl_in_process(tmp_path, base_url)
    site.overrides.clear()
    mended = await crawl_in_process(tmp_path, base_url)

    assert unknown.returncode == still.returncode == 1
    assert "5 of 5 article pages linked" in last_report(tmp_path, 1)["failed_run"][0]
    assert last_report(tmp_path, 2)["failed_run"] == [
        "5 of 16 pages failed",
        "5 of 5 article pages linked from the listings were not recognised as articles:"
        " has the site's markup changed?",
    ]
    assert mended.returncode == 0, mended.log
    assert sorted(item["url"] for item in items_of(run_files(tmp_path)[-1])) == sorted(
        f"{base_url}/{article.slug}/" for article in new
    )


@deferred_f_from_coro_f
async def test_a_field_suddenly_empty_fails_the_run_and_its_articles_are_fetched_again(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url)
    new = [site.add_article() for _ in range(5)]
    for article in new:
        path = f"/{article.slug}/"
        site.overrides[path] = edited_page(
            site,
            path,
            lambda page: re.sub(r'<div class="mvp-author-info-name">.*?</div>', "", page),
        )
    dropped = await crawl_in_process(tmp_path, base_url)
    site.overrides.clear()
    mended = await crawl_in_process(tmp_path, base_url)

    assert dropped.returncode == 1
    authors = sum(article.author is not None for article in new)
    assert last_report(tmp_path, 1)["failed_run"] == [
        "author was filled for 85% of the articles of the last healthy run and for 0 of 5 now:"
        " has the site's markup changed?"
    ]
    assert mended.returncode == 0, mended.log
    again = items_of(run_files(tmp_path)[-1])
    assert sum(item["author"] is not None for item in again) == authors


@deferred_f_from_coro_f
async def test_a_walk_taken_up_after_articles_above_it_were_unpublished_loses_nothing(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=300, seed=13)
    with serve(site) as base_url:
        await crawl_in_process(
            tmp_path, base_url, "-a", "categories=internasional", "-a", "max_pages=3"
        )
        for article in site.listing("internasional")[:5]:
            site.remove(article.slug)
        later = [await crawl_in_process(tmp_path, base_url) for _ in range(2)]

    assert [run.returncode for run in later] == [0, 0]
    written = set(written_urls(tmp_path))
    assert set(site.expected(base_url)) <= written


@deferred_f_from_coro_f
async def test_an_article_promoted_to_the_top_again_does_not_stop_a_walk_early(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=60, seed=14)
    with serve(site) as base_url:
        await crawl_in_process(tmp_path, base_url)
        page_one = [article.slug for article in site.listing("opini")[: FEATURED + PER_PAGE]]
        for _ in range(240):  # 40 new articles a category: four listing pages
            site.add_article()
        await crawl_in_process(tmp_path, base_url, "-a", "max_pages=2")
        site.promote(page_one[-1])
        later = await crawl_in_process(tmp_path, base_url)

    assert later.returncode == 0, later.log
    assert written_urls(tmp_path) == sorted(site.expected(base_url))
