"""``scrapy extract``: the page parser run on the pages of WARC files and URLs, no crawl."""

from __future__ import annotations

import argparse
import gzip
import io
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from functools import partial
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from scrapy import Request
from scrapy.exceptions import UsageError
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from channel9.archive.warc import WarcFiles
from channel9.commands.extract import (
    LEFT_OPEN,
    Command,
    Extraction,
    Page,
    output,
    site_of,
    unfetched,
    write_whole,
)
from channel9.dataset.build import CAPTURE, atomic
from channel9.demo.site import FakeSite, Reply, always, serve, slow_first
from tests.conftest import FAST, SCHEMA, SCRAPY, FullDisk, command_in_process

BASE = "https://www.channel9.test"
OTHER = "https://other.test"
CAPTURED = datetime(2026, 12, 1, 10, 0, 0, 250000, tzinfo=timezone.utc)
CRAWLED_AT = "2026-12-01T10:00:00+00:00"
"""``CAPTURED`` as ``crawled_at`` writes it: to the second."""
PAGES = ["/", "/redaksi/", "/category/opini/", "/nope/"]
"""Pages of the site that give no article: the home page, a static page, a listing, a
404 (no page: skipped)."""
REFUSED = [
    f"refused: not_article {BASE}/",
    f"refused: static_page {BASE}/redaksi/",
    f"refused: not_article {BASE}/category/opini/",
]
"""What ``PAGES`` are told as, in that order."""


@pytest.fixture
def site() -> FakeSite:
    return FakeSite(count=6)


NO_RECORD = dict.fromkeys(name for name in CAPTURE if name != "crawled_at")
"""Extract names no archive record (the crawl's items do)."""


def expected(site: FakeSite, base: str = BASE) -> dict[str, dict[str, Any]]:
    """Every article's item, by URL, as extract writes it from a page captured at
    ``CAPTURED``: the crawl's item, but for a category that only the post classes name,
    which takes the menu's labels that extract does not read."""
    items = {}
    for article in site.articles.values():
        item = {**article.expected(base), "crawled_at": CRAWLED_AT, **NO_RECORD}
        if article.markup != "new":  # no JSON-LD: its other categories are in its classes
            item["categories"] = item["categories"][:1]
        items[item["url"]] = item
    return items


def article_paths(site: FakeSite) -> list[str]:
    return [f"/{slug}/" for slug in site.order]


def archive(folder: Path, site: FakeSite, paths: list[str]) -> Path:
    """A WARC file written by the crawl's archive, the site's ``paths`` captured at
    ``CAPTURED``."""
    files = WarcFiles(folder, "run", 10**9, {})
    for path in paths:
        reply = site.page(path)
        url = BASE + path
        headers = {"Content-Type": "text/html; charset=UTF-8", **reply.headers}
        body = reply.body.replace(b"BASE", BASE.encode())
        response = HtmlResponse(url, status=reply.status, headers=headers, body=body)
        files.write(Request(url), response, CAPTURED)
    (written,) = files.close()
    return written


def untitled(site: FakeSite, slug: str) -> bytes:
    """The article page without any title: no ``<title>``, ``og:title`` or ``<h1>``."""
    page = site.page(f"/{slug}/").body.decode()
    page = re.sub(r'<title>.*?</title>|<meta property="og:title"[^>]*>|<h1.*?</h1>', "", page)
    return page.replace("BASE", BASE).encode()


def chunked(body: bytes) -> bytes:
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)


def warcio_file(path: Path, site: FakeSite) -> Path:
    """A WARC file warcio writes, as a crawler of many sites would: an article of this
    site sent gzipped in chunks, one of another site, an image, a 404, a body that does
    not ungzip, an article without a title, and a request record."""
    slug, other, bare = site.order[4], site.order[3], site.order[2]
    page = site.page(f"/{slug}/").body.replace(b"BASE", BASE.encode())
    elsewhere = site.page(f"/{other}/").body.replace(b"BASE", OTHER.encode())
    sent_as = [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")]
    asked = io.BytesIO(b"GET /%s/ HTTP/1.1\r\n\r\n" % slug.encode())
    with path.open("wb") as file:
        writer = WARCWriter(file, gzip=True)
        record = partial(write_response, writer)
        record(f"{BASE}/{slug}/", 200, chunked(gzip.compress(page)), *sent_as)
        writer.write_record(writer.create_warc_record(f"{BASE}/{slug}/", "request", payload=asked))
        record(f"{OTHER}/{other}/", 200, elsewhere)
        record(f"{BASE}/logo.png", 200, b"\x89PNG\r\n", ("Content-Type", "image/png"))
        record(f"{BASE}/gone/", 404, b"<p>gone</p>")
        record(f"{BASE}/broken/", 200, b"\x1f\x8b\x08not gzip", ("Content-Encoding", "gzip"))
        record(f"{BASE}/{bare}/", 200, untitled(site, bare))
    return path


def write_response(
    writer: WARCWriter,
    url: str,
    status: int,
    body: bytes,
    *headers: tuple[str, str],
    dated: bool = True,
) -> None:
    """A response record captured at ``CAPTURED``, of HTML unless ``headers`` say not;
    without a ``WARC-Target-URI`` when ``url`` is empty, without a ``WARC-Date`` unless
    ``dated``."""
    fields = {"Content-Type": "text/html; charset=UTF-8", **dict(headers)}
    line = f"{status} {HTTPStatus(status).phrase}"
    http = StatusAndHeaders(line, list(fields.items()), protocol="HTTP/1.1")
    date = {"WARC-Date": "2026-12-01T10:00:00Z"}
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), http_headers=http, warc_headers_dict=date
    )
    if not url:
        record.rec_headers.remove_header("WARC-Target-URI")
    if not dated:
        record.rec_headers.remove_header("WARC-Date")
    writer.write_record(record)


def extract(*sources: Path | str, site: str | None = None) -> tuple[dict[str, Any], list[str]]:
    """The items of the sources by URL, and the lines said on stderr, the summary last."""
    told = io.StringIO()
    extraction = Extraction(told, site, {})
    items = [asdict(article) for source in sources for article in extraction.articles_of(source)]
    for item in items:
        SCHEMA.validate(item)
        if item["warc_filename"] is not None:
            check_record(item, sources)
            item.update(NO_RECORD)
    return {item["url"]: item for item in items}, [
        *told.getvalue().splitlines(),
        extraction.summary(),
    ]


def check_record(item: dict[str, Any], sources: tuple[Path | str, ...]) -> None:
    """The item names the record it was read from, in a file named from the folder given
    (or by its name): its bytes, read alone by warcio, are the response record of the
    item's page, captured when the item says."""
    (path,) = {
        source if source.is_file() else source / item["warc_filename"]
        for source in sources
        if isinstance(source, Path)
        and (source.name if source.is_file() else item["warc_filename"]) == item["warc_filename"]
        and (source.is_file() or (source / item["warc_filename"]).is_file())
    }
    with path.open("rb") as file:
        file.seek(item["warc_record_offset"])
        member = file.read(item["warc_record_length"])
    (record,) = ArchiveIterator(io.BytesIO(member))
    assert record.rec_type == "response"
    assert urlsplit(record.rec_headers["WARC-Target-URI"]).path == urlsplit(item["url"]).path
    assert record.rec_headers["WARC-Date"][:19] == item["crawled_at"][:19]


def items_in(text: str, *sources: Path) -> list[dict[str, Any]]:
    """The items of extract's output, each checked against the record it names, which it
    then names no more (as :func:`expected` does)."""
    items = [json.loads(line) for line in text.splitlines()]
    for item in items:
        if item.get("warc_filename") is not None:
            check_record(item, sources)
            item.update(NO_RECORD)
    return items


def response_offsets(path: Path) -> dict[str, int]:
    """Where each response record of the file begins, by URL, as warcio reads them."""
    with path.open("rb") as file:
        records = ArchiveIterator(file)
        return {
            record.rec_headers["WARC-Target-URI"]: records.get_record_offset()
            for record in records
            if record.rec_type == "response"
        }


def scrapy_extract(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``scrapy extract ARGS``, in this process unless a source is a URL to fetch.

    In this process, what Scrapy's crawler process would print is not seen: the URL and
    signal tests, in processes of their own, cover the command's output whole."""
    if not any(arg.startswith(("http://", "https://")) for arg in args):
        return command_in_process(workdir, "extract", *args, *FAST)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"}
    command = [SCRAPY, "extract", *args, *FAST]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=60)


def test_the_crawls_archive_gives_each_article_its_item_and_names_every_other_page(
    site: FakeSite, tmp_path: Path
) -> None:
    path = archive(tmp_path, site, [*PAGES[:2], *article_paths(site), *PAGES[2:]])

    items, told = extract(path)

    assert items == expected(site)
    assert told == [
        *REFUSED,
        "Extracted 6 articles from 9 pages; refused: not_article 2, static_page 1;"
        " skipped 1 other response",
    ]


def test_a_page_gives_the_same_item_whichever_order_the_records_come_in(
    site: FakeSite, tmp_path: Path
) -> None:
    paths = [*PAGES, *article_paths(site)]
    first = archive(tmp_path / "a", site, paths)
    second = archive(tmp_path / "b", site, paths[::-1])

    assert extract(first)[0] == extract(second)[0] == expected(site)


def test_a_warcio_file_gives_the_html_pages_answered_200_of_every_site(
    site: FakeSite, tmp_path: Path
) -> None:
    path = warcio_file(tmp_path / "mixed.warc.gz", site)

    items, told = extract(path)

    ours, theirs = site.order[4], site.order[3]
    assert items == {
        f"{BASE}/{ours}/": expected(site)[f"{BASE}/{ours}/"],
        f"{OTHER}/{theirs}/": expected(site, OTHER)[f"{OTHER}/{theirs}/"],
    }
    assert told == [
        f"refused: undecodable {BASE}/broken/",
        f"refused: no_title {BASE}/{site.order[2]}/",
        "Extracted 2 articles from 4 pages; refused: no_title 1, undecodable 1;"
        " skipped 2 other responses",
    ]


@pytest.mark.parametrize(
    "named",
    ["https://channel9.test/", "www.channel9.test", "CHANNEL9.test", "WWW.Channel9.Test."],
)
def test_site_keeps_the_records_of_its_host_with_or_without_www(
    site: FakeSite, tmp_path: Path, named: str
) -> None:
    path = warcio_file(tmp_path / "mixed.warc.gz", site)

    items, told = extract(path, site=site_of(named))

    assert list(items) == [f"{BASE}/{site.order[4]}/"]
    assert told[-1] == (
        "Extracted 1 article from 3 pages; refused: no_title 1, undecodable 1;"
        " skipped 3 other responses"
    )


def test_a_folder_is_searched_for_warc_files_in_its_subfolders(
    site: FakeSite, tmp_path: Path
) -> None:
    archive(tmp_path / "data" / "archive", site, article_paths(site)[:2])
    (tmp_path / "cc").mkdir()
    # Named in capitals, as some tools name them.
    warcio_file(tmp_path / "cc" / "MIXED.WARC.GZ", site)
    (tmp_path / "notes.txt").write_text("not a WARC file, and not named like one")

    items, told = extract(tmp_path)

    assert set(items) == {
        *(f"{BASE}/{slug}/" for slug in (*site.order[:2], site.order[4])),
        f"{OTHER}/{site.order[3]}/",
    }
    assert told[-1] == (
        "Extracted 4 articles from 6 pages; refused: no_title 1, undecodable 1;"
        " skipped 2 other responses"
    )


def test_a_file_a_crawl_writes_or_a_killed_one_left_is_named_and_not_read(
    site: FakeSite, tmp_path: Path
) -> None:
    """Its last record may be cut short: a crawl, or a replay of its folder, mends it."""
    path = archive(tmp_path / "archive", site, article_paths(site)[:2])
    left = tmp_path / "archive" / "channel9-killed-00000.warc.gz.open"
    shutil.copy(path, left)

    items, told = extract(tmp_path / "archive")
    named, alone = extract(left)

    assert set(items) == {f"{BASE}/{slug}/" for slug in site.order[:2]}
    assert told == [
        f"error: {left}: {LEFT_OPEN}",
        "Extracted 2 articles from 2 pages; 1 of 1 source not read whole",
    ]
    assert named == {}
    assert alone == [
        f"error: {left}: {LEFT_OPEN}",
        "Extracted 0 articles from 0 pages; 1 of 1 source not read whole",
    ]


def test_a_damaged_record_is_skipped_and_named_the_rest_read_the_source_not_whole(
    site: FakeSite, tmp_path: Path
) -> None:
    path = archive(tmp_path, site, [*PAGES, *article_paths(site)])
    damaged_url = f"{BASE}/{site.order[0]}/"
    offsets = sorted(response_offsets(path).values())
    start = response_offsets(path)[damaged_url]
    end = offsets[offsets.index(start) + 1]
    data = bytearray(path.read_bytes())
    middle = (start + end) // 2
    data[middle : middle + 8] = bytes(8)
    path.write_bytes(bytes(data))

    items, told = extract(path)

    assert items == {url: item for url, item in expected(site).items() if url != damaged_url}
    assert told[:3] == REFUSED
    assert re.fullmatch(rf"damaged: {re.escape(str(path))} at byte {start}: .+", told[3])
    assert told[4:] == [
        "Extracted 5 articles from 8 pages; refused: not_article 2, static_page 1;"
        " skipped 1 other response; 1 of 1 source not read whole"
    ]


def test_a_warc_gzipped_as_a_whole_is_a_source_not_read(site: FakeSite, tmp_path: Path) -> None:
    path = archive(tmp_path, site, article_paths(site))
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())))

    items, told = extract(whole)

    assert items == {}
    assert told == [
        f"error: {whole}: its records cannot be read one by one (gzipped as a whole file,"
        " not record by record?)",
        "Extracted 0 articles from 0 pages; 1 of 1 source not read whole",
    ]


def test_a_fetched_page_is_extracted_and_a_failed_fetch_named_by_its_reason(
    site: FakeSite,
) -> None:
    slug = site.order[4]
    url = f"{BASE}/{slug}/"
    body = site.page(f"/{slug}/").body.replace(b"BASE", BASE.encode())
    fetched: dict[str, Page | str] = {
        url: Page(HtmlResponse(url, body=body), CAPTURED),
        f"{BASE}/private/": unfetched("robots"),
        f"{BASE}/gone/": unfetched("http_404"),
    }
    told = io.StringIO()
    extraction = Extraction(told, None, fetched)

    items = [
        asdict(item) for source in [*fetched, OTHER] for item in extraction.articles_of(source)
    ]

    assert items == [expected(site)[url]]
    assert [*told.getvalue().splitlines(), extraction.summary()] == [
        f"error: {BASE}/private/: robots.txt disallows it (robots)",
        f"error: {BASE}/gone/: the fetch failed (http_404)",
        f"error: {OTHER}: not fetched (see why with -s LOG_ENABLED=1)",
        "Extracted 1 article from 1 page; 3 of 4 sources not read whole",
    ]


def test_overwrite_replaces_the_file_only_once_every_line_is_written(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"old": 1}\n')
    with pytest.raises(KeyboardInterrupt), output(path, overwrite=True) as write:
        write(b'{"new": 1}\n')
        raise KeyboardInterrupt

    assert path.read_bytes() == b'{"old": 1}\n'
    assert [file.name for file in tmp_path.iterdir()] == ["out.jsonl"]

    with output(path, overwrite=True) as write:
        write(b'{"new": 1}\n')

    assert path.read_bytes() == b'{"new": 1}\n'


def test_append_adds_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "out.jsonl"
    for number in (1, 2):
        with output(path, overwrite=False) as write:
            write(b'{"n": %d}\n' % number)

    assert path.read_bytes() == b'{"n": 1}\n{"n": 2}\n'


def test_a_line_the_disk_cuts_short_is_cut_off(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"n": 1}\n')
    with FullDisk(path, "ab") as file:
        file.room = 4
        with pytest.raises(OSError, match="No space left"):
            write_whole(file, b'{"n": 2}\n')

    assert path.read_bytes() == b'{"n": 1}\n'


def test_the_command_writes_to_stdout_and_exits_1_for_a_source_it_cannot_read(
    site: FakeSite, tmp_path: Path
) -> None:
    archive(tmp_path / "archive", site, [*PAGES, *article_paths(site)])
    (tmp_path / "notes.warc").write_text("no WARC record here\n")

    done = scrapy_extract(tmp_path, "archive", "notes.warc")

    assert done.returncode == 1
    items = items_in(done.stdout, tmp_path / "archive")
    for item in items:
        SCHEMA.validate(item)
    assert {item["url"]: item for item in items} == expected(site)
    assert done.stderr.splitlines() == [
        *REFUSED,
        "error: notes.warc: not a WARC file",
        "Extracted 6 articles from 9 pages; refused: not_article 2, static_page 1;"
        " skipped 1 other response; 1 of 2 sources not read whole",
    ]


@pytest.mark.parametrize("output", [[], ["-o", "out.jsonl"], ["-O", "out.jsonl"]])
def test_a_source_that_is_not_there_is_refused_before_anything_is_written(
    site: FakeSite, tmp_path: Path, output: list[str]
) -> None:
    """As ``scrapy dataset`` refuses a run file that is not there: a typo."""
    archive(tmp_path / "archive", site, article_paths(site)[:1])
    (tmp_path / "out.jsonl").write_text('{"earlier": 1}\n')

    done = scrapy_extract(tmp_path, "archive", "missing.warc.gz", *output)

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "scrapy extract: error: no such file or folder: missing.warc.gz\n"
    assert (tmp_path / "out.jsonl").read_text() == '{"earlier": 1}\n'
    assert sorted(path.name for path in tmp_path.iterdir()) == ["archive", "out.jsonl"]


def test_a_failed_run_without_an_article_leaves_the_file_to_replace(tmp_path: Path) -> None:
    """An empty file would take the place of the articles -O wrote before."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "out.jsonl").write_text('{"earlier": 1}\n')

    kept = scrapy_extract(tmp_path, "empty", "-O", "out.jsonl")
    fresh = scrapy_extract(tmp_path, "empty", "-O", "new.jsonl")

    assert kept.returncode == fresh.returncode == 1
    assert kept.stderr.splitlines() == [
        "error: empty: no WARC files (*.warc, *.warc.gz) in this folder",
        "Extracted 0 articles from 0 pages; 1 of 1 source not read whole; out.jsonl left as it was",
    ]
    assert (tmp_path / "out.jsonl").read_text() == '{"earlier": 1}\n'
    assert fresh.stderr.splitlines()[-1].endswith("; new.jsonl left as it was")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["empty", "out.jsonl"]


def test_a_failed_run_with_articles_replaces_the_file_with_them(
    site: FakeSite, tmp_path: Path
) -> None:
    """The rest is still read and written, as the command's help says."""
    archive(tmp_path / "archive", site, article_paths(site)[:1])
    (tmp_path / "notes.warc").write_text("no WARC record here\n")
    (tmp_path / "out.jsonl").write_text('{"earlier": 1}\n')

    done = scrapy_extract(tmp_path, "archive", "notes.warc", "-O", "out.jsonl")

    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "error: notes.warc: not a WARC file",
        "Extracted 1 article from 1 page; 1 of 2 sources not read whole",
    ]
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert items_in("\n".join(lines), tmp_path / "archive") == [
        expected(site)[f"{BASE}/{site.order[0]}/"]
    ]


def test_the_command_appends_with_o_and_exits_0_when_every_source_was_read(
    site: FakeSite, tmp_path: Path
) -> None:
    archive(tmp_path / "archive", site, article_paths(site)[:1])
    (tmp_path / "out.jsonl").write_text('{"earlier": 1}\n')

    done = scrapy_extract(tmp_path, "archive", "-o", "out.jsonl")

    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr == "Extracted 1 article from 1 page\n"
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert items_in("\n".join(lines), tmp_path / "archive") == [
        {"earlier": 1},
        expected(site)[f"{BASE}/{site.order[0]}/"],
    ]


def test_an_output_that_cannot_be_written_is_named_and_exits_1(
    site: FakeSite, tmp_path: Path
) -> None:
    archive(tmp_path / "archive", site, [*PAGES[:2], *article_paths(site)])

    done = scrapy_extract(tmp_path, "archive", "-o", "/dev/full")

    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        *REFUSED[:2],
        "error: cannot write /dev/full: [Errno 28] No space left on device",
        "Extracted 0 articles from 2 pages; refused: not_article 1, static_page 1",
    ]


def usage_error(args: list[str]) -> str:
    """Why the command refuses these arguments, as a usage error."""
    command = Command()
    command.settings = Settings()
    parser = argparse.ArgumentParser()
    command.add_options(parser)
    opts, rest = parser.parse_known_args(args)
    with pytest.raises(UsageError) as refused:
        command.run(rest, opts)
    return str(refused.value)


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ([], "give a SOURCE: a WARC file, a folder of them or an http(s) URL"),
        (["ftp://x.test/a.warc"], "a SOURCE URL must be http(s)://HOST/...: ftp://x.test/a.warc"),
        (["https:///a/"], "a SOURCE URL must be http(s)://HOST/...: https:///a/"),
        (["a.warc", "--bogus"], "not a SOURCE, nor an option of this command: '--bogus'"),
        (["a.warc", "-o", "x", "-O", "y"], "give -o (append) or -O (overwrite), not both"),
        (["a.warc", "-O", "."], "-o and -O name a file, not a folder: ."),
        (["a.warc", "-O", ""], "-o and -O name a file, not ''"),
        (["a.warc", "-o", "", "-O", "x"], "give -o (append) or -O (overwrite), not both"),
        (
            ["a.warc", "--site", "https://"],
            "--site must name a site (https://channel9.id): 'https://'",
        ),
        (["a.warc", "--site", ""], "--site must name a site (https://channel9.id): ''"),
        (["a.warc", "missing.warc"], "no such file or folder: missing.warc"),
        (["/dev/null"], "not a file or folder: /dev/null"),
        # An output that would replace or corrupt a WARC file read.
        (
            ["a.warc", "-O", "./a.warc"],
            "-o and -O would write into a.warc, which it reads (a.warc)",
        ),
        (["a.warc", "-o", "a.warc"], "-o and -O would write into a.warc, which it reads (a.warc)"),
        ([".", "-O", "new.warc.gz"], "-o and -O would write into new.warc.gz, which it reads (.)"),
    ],
)
def test_bad_usage_is_refused_by_name(
    args: list[str], error: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where an output named by mistake would go
    (tmp_path / "a.warc").touch()
    refused = usage_error(args)

    assert refused == error


@pytest.mark.parametrize(
    ("args", "error"),
    [
        # A folder holding a link to the WARC file the output names.
        (["F", "-O", "G/real.warc.gz"], "G/real.warc.gz, which it reads (F)"),
        # A hard link to a WARC file read, under another name.
        (["G/real.warc.gz", "-o", "hard.jsonl"], "hard.jsonl, which it reads (G/real.warc.gz)"),
        # An archive file a killed crawl left open, which a crawl or a replay mends.
        (["F", "-O", "F/killed.warc.gz.open"], "F/killed.warc.gz.open, which it reads (F)"),
    ],
)
def test_an_output_that_is_a_warc_file_it_reads_by_another_name_is_refused(
    args: list[str], error: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "F").mkdir()
    (tmp_path / "G").mkdir()
    real = tmp_path / "G" / "real.warc.gz"
    real.write_bytes(b"WARC")
    (tmp_path / "F" / "link.warc.gz").symlink_to(real)
    (tmp_path / "F" / "killed.warc.gz.open").write_bytes(b"WARC")
    os.link(real, tmp_path / "hard.jsonl")
    refused = usage_error(args)

    assert refused == f"-o and -O would write into {error}"
    assert real.read_bytes() == b"WARC"


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    done = scrapy_extract(tmp_path, "-o", "out.jsonl")

    assert done.returncode == 2
    assert done.stderr.endswith(
        "error: give a SOURCE: a WARC file, a folder of them or an http(s) URL\n"
    )
    assert not list(tmp_path.iterdir())


def test_a_log_sent_to_stdout_with_the_articles_is_refused(site: FakeSite, tmp_path: Path) -> None:
    """Scrapy's LOG_STDOUT puts a logger in stdout's place, where the articles go: the
    command would end in a traceback, having written nothing."""
    warc = archive(tmp_path / "archive", site, article_paths(site)[:1])

    refused = command_in_process(tmp_path, "extract", str(warc), "-s", "LOG_STDOUT=1", refused=True)
    to_a_file = scrapy_extract(tmp_path, str(warc), "-s", "LOG_STDOUT=1", "-O", "out.jsonl")

    assert (refused.returncode, refused.stdout) == (2, "")
    assert refused.stderr == (
        "scrapy extract: error: LOG_STDOUT would mix the log into the articles on stdout:"
        " give -o or -O\n"
    )
    assert to_a_file.returncode == 0, to_a_file.stderr
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 1


def test_the_log_files_folder_is_made(site: FakeSite, tmp_path: Path) -> None:
    """As the crawl's: Scrapy would fail to open the file in a folder not there yet."""
    warc = archive(tmp_path / "archive", site, article_paths(site)[:1])

    done = scrapy_extract(tmp_path, str(warc), "--logfile", "logs/extract.log", "-O", "out.jsonl")

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "logs").is_dir()


def test_urls_are_fetched_once_robots_txt_obeyed_and_a_disallowed_one_exits_1(
    site: FakeSite, tmp_path: Path
) -> None:
    slug = site.order[4]
    started = datetime.now(timezone.utc).replace(microsecond=0)
    with serve(site) as base:
        done = scrapy_extract(tmp_path, f"{base}/{slug}/", f"{base}/wp-admin/", f"{base}/no/")
        wanted = {**site.articles[slug].expected(base), **NO_RECORD}

    assert done.returncode == 1
    (item,) = [json.loads(line) for line in done.stdout.splitlines()]
    crawled_at = datetime.fromisoformat(item.pop("crawled_at"))
    assert started <= crawled_at <= datetime.now(timezone.utc)
    assert item == wanted
    assert done.stderr.splitlines() == [
        f"error: {base}/wp-admin/: robots.txt disallows it (robots)",
        f"error: {base}/no/: the fetch failed (http_404)",
        "Extracted 1 article from 1 page; 2 of 3 sources not read whole",
    ]
    assert sorted(site.requests) == sorted(["/robots.txt", f"/{slug}/", "/no/"])
    assert not list(tmp_path.iterdir())  # no crawl state, archive, report or run file


def warcio_records(path: Path, *records: tuple[str, int, bytes]) -> Path:
    """A gzipped WARC file of HTML response records (URL, status, body), as warcio writes
    them, captured at ``CAPTURED``."""
    with path.open("wb") as file:
        writer = WARCWriter(file, gzip=True)
        for url, status, body in records:
            write_response(writer, url, status, body)
    return path


def article_page(site: FakeSite, index: int) -> tuple[str, bytes]:
    """The URL and page of the site's article ``index`` (in ``site.order``)."""
    path = f"/{site.order[index]}/"
    return BASE + path, site.page(path).body.replace(b"BASE", BASE.encode())


def test_a_page_the_parser_fails_on_is_refused_as_callback_error_and_the_run_goes_on(
    site: FakeSite, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url, page = article_page(site, 4)
    path = warcio_records(tmp_path / "bad.warc.gz", ("http://[bad/x", 200, page), (url, 200, page))

    with caplog.at_level(logging.DEBUG, logger="channel9.commands.extract"):
        items, told = extract(path)

    assert items == {url: expected(site)[url]}
    assert told == [
        "refused: callback_error http://[bad/x",
        "Extracted 1 article from 2 pages; refused: callback_error 1",
    ]
    (logged,) = [record for record in caplog.records if record.name == "channel9.commands.extract"]
    assert (logged.levelno, logged.getMessage()) == (
        logging.DEBUG,
        "The parser failed on http://[bad/x",
    )
    assert logged.exc_info is not None
    assert logged.exc_info[0] is ValueError


def test_a_record_whose_host_is_malformed_is_no_page_of_the_site(
    site: FakeSite, tmp_path: Path
) -> None:
    url, page = article_page(site, 4)
    path = warcio_records(tmp_path / "bad.warc.gz", ("http://[bad/x", 200, page), (url, 200, page))

    items, told = extract(path, site=site_of(BASE))

    assert list(items) == [url]
    assert told == ["Extracted 1 article from 1 page; skipped 1 other response"]


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("", "no WARC-Target-URI"),
        ("berita/page/", "its WARC-Target-URI is no absolute URI (berita/page/)"),
    ],
)
def test_a_response_record_without_a_url_is_a_damaged_record(
    site: FakeSite, tmp_path: Path, target: str, why: str
) -> None:
    url, page = article_page(site, 4)
    path = warcio_records(tmp_path / "no-url.warc.gz", (target, 200, page), (url, 200, page))

    items, told = extract(path)

    assert items == {url: expected(site)[url]}
    assert told == [
        f"damaged: {path} at byte 0: malformed record: {why}",
        "Extracted 1 article from 1 page; 1 of 1 source not read whole",
    ]


def digestless(url: str, page: bytes) -> bytes:
    """A response record without the digests WARC leaves optional, as some tools write it."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n" + page
    header = (
        "WARC/1.1\r\nWARC-Type: response\r\nWARC-Date: 2026-12-01T10:00:00Z\r\n"
        f"WARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\nWARC-Target-URI: {url}\r\n"
        f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n"
    )
    return header.encode() + b"\r\n" + http + b"\r\n\r\n"


def test_a_record_without_digests_is_read_where_its_gzip_checksum_vouches_for_it(
    site: FakeSite, tmp_path: Path
) -> None:
    url, page = article_page(site, 4)
    gzipped = tmp_path / "bare.warc.gz"
    gzipped.write_bytes(gzip.compress(digestless(url, page)))
    plain = tmp_path / "bare.warc"
    plain.write_bytes(digestless(url, page))

    items, told = extract(gzipped)
    unchecked, said = extract(plain)

    assert items == {url: expected(site)[url]}
    assert told == ["Extracted 1 article from 1 page"]
    assert unchecked == {}
    assert said == [
        f"damaged: {plain} at byte 0: no digest to check it by (nor whole gzip members' checksums)",
        "Extracted 0 articles from 0 pages; 1 of 1 source not read whole",
    ]


def test_records_without_digests_in_a_file_with_a_damaged_stretch_are_not_read(
    site: FakeSite, tmp_path: Path
) -> None:
    """One gzip member may hold several records (``gzip file.warc``): cut short, its
    checksum vouches for none of them, the first or the ones inside it."""
    pages = [article_page(site, number) for number in (2, 3, 4)]
    whole = gzip.compress(b"".join(digestless(url, page) for url, page in pages))
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(whole[:-12])

    items, told = extract(path)

    assert items == {}
    assert [line.split(": ", 2)[-1] for line in told[:-1]] == [
        "no digest to check it by (nor whole gzip members' checksums)"
    ] * len(told[:-1])
    assert told[0].startswith(f"damaged: {path} at byte 0: ")
    assert told[-1] == "Extracted 0 articles from 0 pages; 1 of 1 source not read whole"


def test_a_record_its_writer_marks_truncated_is_refused_as_cut_short(
    site: FakeSite, tmp_path: Path
) -> None:
    """Common Crawl cuts a page at a size, and says so: its text is not the article's."""
    url, page = article_page(site, 4)
    cut = tmp_path / "cut.warc.gz"
    with cut.open("wb") as file:
        writer = WARCWriter(file, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        warc = {"WARC-Date": "2026-12-01T10:00:00Z", "WARC-Truncated": "length"}
        body = io.BytesIO(page[: len(page) * 3 // 4])
        record = writer.create_warc_record(
            url, "response", payload=body, http_headers=http, warc_headers_dict=warc
        )
        writer.write_record(record)

    items, told = extract(cut)

    assert items == {}
    assert told == [
        f"refused: cut_short {url}",
        "Extracted 0 articles from 1 page; refused: cut_short 1",
    ]


def test_a_response_at_a_url_of_another_scheme_is_no_page(site: FakeSite, tmp_path: Path) -> None:
    url, page = article_page(site, 4)
    path = warcio_records(
        tmp_path / "ftp.warc.gz", ("ftp://x.test/a/", 200, page), (url, 200, page)
    )

    items, told = extract(path)

    assert list(items) == [url]
    assert told == ["Extracted 1 article from 1 page; skipped 1 other response"]


def cut_short(path: Path, offset: int) -> None:
    """The file cut ``offset`` bytes into its last response record."""
    start = max(response_offsets(path).values())
    path.write_bytes(path.read_bytes()[: start + offset])


def zeroed(path: Path, offset: int) -> None:
    """64 bytes of the file's first response record zeroed from ``offset`` bytes in."""
    start = min(response_offsets(path).values())
    data = bytearray(path.read_bytes())
    data[start + offset : start + offset + 64] = bytes(64)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("name", "damage", "why", "lost"),
    [
        # Past the gzip header: the reader takes the cut member for the end of the file.
        (
            "cut.warc.gz",
            partial(cut_short, offset=12),
            "not a whole gzip member (cut short or garbled)",
            -1,
        ),
        # Inside the version line: the reader takes it for a record of no type.
        ("cut.warc", partial(cut_short, offset=10), "no whole WARC record header here", -1),
        # The WARC-Type and WARC-Date lines: the record is of no type the reader knows.
        (
            "zeroed.warc",
            partial(zeroed, offset=20),
            "malformed record: its header holds control bytes (zeroed?)",
            0,
        ),
    ],
)
def test_a_file_not_read_to_its_end_as_whole_records_is_damaged_where_that_begins(
    site: FakeSite, tmp_path: Path, name: str, damage: Callable[[Path], None], why: str, lost: int
) -> None:
    written = archive(tmp_path / "archive", site, article_paths(site))
    path = tmp_path / name
    path.write_bytes(
        written.read_bytes() if name.endswith(".gz") else gzip.decompress(written.read_bytes())
    )
    by_offset = sorted((offset, url) for url, offset in response_offsets(path).items())
    offset, lost_url = by_offset[lost]
    damage(path)

    items, told = extract(path)

    assert items == {url: item for url, item in expected(site).items() if url != lost_url}
    assert told == [
        f"damaged: {path} at byte {offset}: {why}",
        "Extracted 5 articles from 5 pages; 1 of 1 source not read whole",
    ]


def test_a_record_without_a_date_is_refused_as_no_date(site: FakeSite, tmp_path: Path) -> None:
    url, page = article_page(site, 4)
    path = tmp_path / "undated.warc.gz"
    with path.open("wb") as file:
        write_response(WARCWriter(file, gzip=True), url, 200, page, dated=False)

    items, told = extract(path)

    assert items == {}
    assert told == [
        f"refused: no_date {url}",
        "Extracted 0 articles from 1 page; refused: no_date 1",
    ]


@pytest.mark.parametrize(
    ("recorded", "named"),
    [("xn--bcher-kva.test", "Bücher.test"), ("bücher.test", "https://www.xn--bcher-kva.test/")],
)
def test_site_names_an_idn_host_in_unicode_or_in_punycode_alike(
    site: FakeSite, tmp_path: Path, recorded: str, named: str
) -> None:
    url, page = article_page(site, 4)
    ours = url.replace("www.channel9.test", recorded)
    path = warcio_records(tmp_path / "idn.warc.gz", (ours, 200, page), (url, 200, page))

    items, told = extract(path, site=site_of(named))

    # The item's URL is the page's normal form, its host in ASCII whichever the record has.
    assert list(items) == [url.replace("www.channel9.test", "xn--bcher-kva.test")]
    assert told == ["Extracted 1 article from 1 page; skipped 1 other response"]


def test_each_capture_of_a_url_gives_its_own_line_in_capture_order(
    site: FakeSite, tmp_path: Path
) -> None:
    url, page = article_page(site, 0)
    response = HtmlResponse(url, headers={"Content-Type": "text/html"}, body=page)
    files = WarcFiles(tmp_path, "run", 10**9, {})
    for day in (0, 1):
        files.write(Request(url), response, CAPTURED + timedelta(days=day))
    (path,) = files.close()
    told = io.StringIO()
    extraction = Extraction(told, None, {})

    items = [asdict(article) for article in extraction.articles_of(path)]

    assert items[0]["warc_record_offset"] < items[1]["warc_record_offset"]
    for item in items:
        check_record(item, (path,))
        item.update(NO_RECORD)
    assert items == [
        {**expected(site)[url], "crawled_at": "2026-12-01T10:00:00+00:00"},
        {**expected(site)[url], "crawled_at": "2026-12-02T10:00:00+00:00"},
    ]
    assert extraction.summary() == "Extracted 2 articles from 2 pages"


def test_overwrite_refuses_a_path_that_is_no_regular_file_before_writing(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "link").symlink_to(fifo)
    command = Command()
    command.settings = Settings()
    parser = argparse.ArgumentParser()
    command.add_options(parser)

    for named in (fifo, tmp_path / "link"):
        opts, rest = parser.parse_known_args(["a.warc", "-O", str(named)])
        with pytest.raises(UsageError) as refused:
            command.run(rest, opts)
        assert str(refused.value) == (
            f"-O replaces a regular file, not a device, fifo or socket: {named}"
        )
    with pytest.raises(OSError, match="is no regular file"), atomic(tmp_path / "link"):
        pytest.fail("atomic gave a file to write in place of a fifo")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(OSError, match="a loop of symbolic links"), atomic(tmp_path / "loop"):
        pytest.fail("atomic gave a file to write in place of a loop of links")

    assert fifo.is_fifo()
    assert (tmp_path / "link").is_symlink()
    assert (tmp_path / "loop").is_symlink()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fifo", "link", "loop"]


def test_overwrite_through_a_symbolic_link_replaces_the_file_it_names(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "out.jsonl"
    real.write_bytes(b'{"old": 1}\n')
    link = tmp_path / "out.jsonl"
    link.symlink_to(real)

    with output(link, overwrite=True) as write:
        write(b'{"new": 1}\n')

    assert link.is_symlink()
    assert link.readlink() == real
    assert real.read_bytes() == b'{"new": 1}\n'
    assert [path.name for path in (tmp_path / "real").iterdir()] == ["out.jsonl"]


def test_overwrite_removes_a_partial_file_left_there_first(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(b'{"old": 1}\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"not to be written\n")
    (tmp_path / "out.jsonl.partial").symlink_to(elsewhere)

    with output(path, overwrite=True) as write:
        write(b'{"new": 1}\n')

    assert not path.is_symlink()
    assert path.read_bytes() == b'{"new": 1}\n'
    assert elsewhere.read_bytes() == b"not to be written\n"
    assert sorted(file.name for file in tmp_path.iterdir()) == ["elsewhere", "out.jsonl"]


OLD = b'{"old": 1}\n'
"""The file -O replaces, before a run."""
COPIES = 600
"""The WARC files of ``refusals``: 1800 pages, seconds of reading, of which a signal
sent at the first page's line leaves most unread."""


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of ``COPIES`` WARC files of the pages that give no article but say a line
    each on stderr as they are read (the home page, a static page, a listing)."""
    folder = tmp_path_factory.mktemp("refusals")
    written = archive(folder / "0", FakeSite(count=6), PAGES[:3])
    for number in range(1, COPIES):
        shutil.copy(written, folder / f"{number}.warc.gz")
    return folder


def started(workdir: Path, *args: str) -> subprocess.Popen[str]:
    """``scrapy extract`` started in ``workdir``, writing to a file: its stderr to be read
    as it goes."""
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"}
    return subprocess.Popen(
        [SCRAPY, "extract", *args, *FAST],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def signalled(process: subprocess.Popen[str], signum: int) -> list[str]:
    """The lines the run says on stderr, sent ``signum`` once it has told of its first
    page (so once it reads the WARC files)."""
    assert process.stderr is not None
    with process.stderr:
        first = process.stderr.readline()
        process.send_signal(signum)
        rest = process.stderr.read()  # what readline took in beyond the first line too
    process.wait(timeout=60)
    return [first.rstrip("\n"), *rest.splitlines()]


def interrupted_summaries(told: list[str], articles: str) -> set[str]:
    """The summary of a run stopped once it had told of these pages (of ``refusals``):
    ``articles`` (``0 articles``, ``1 article``) and the pages refused, every one a line
    of ``told``, the last one counted or not (the signal may come between its line and
    its count)."""
    refused = [line.split()[1] for line in told if line.startswith("refused: ")]
    assert set(refused) <= {"not_article", "static_page"}  # never fewer not_article
    return {summary(articles, Counter(refused)), summary(articles, Counter(refused[:-1]))}


def summary(articles: str, refused: Counter[str]) -> str:
    """The summary of an interrupted run that extracted ``articles`` and refused these."""
    pages = refused.total() + int(articles.split()[0])
    plural = "s" if pages != 1 else ""
    reasons = ", ".join(f"{reason} {refused[reason]}" for reason in sorted(refused))
    told = f"; refused: {reasons}" if refused else ""
    return f"Extracted {articles} from {pages} page{plural}{told}; interrupted"


def assert_interrupted(
    process: subprocess.Popen[str], told: list[str], tmp_path: Path, articles: str
) -> None:
    """The run stopped early with status 130, its summary last, the old ``-O`` file kept
    and no partial file beside it."""
    assert process.returncode == 130
    assert told[-1] in interrupted_summaries(told[:-1], articles)
    assert len(told) < 3 * COPIES
    assert (tmp_path / "out.jsonl").read_bytes() == OLD
    assert [path.name for path in tmp_path.iterdir()] == ["out.jsonl"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_run_leaves_the_old_file_and_says_the_summary(
    refusals: Path, tmp_path: Path, signum: int
) -> None:
    (tmp_path / "out.jsonl").write_bytes(OLD)

    process = started(tmp_path, str(refusals), "-O", "out.jsonl")
    assert_interrupted(process, signalled(process, signum), tmp_path, "0 articles")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_run_after_a_url_was_fetched(
    site: FakeSite, refusals: Path, tmp_path: Path, signum: int
) -> None:
    (tmp_path / "out.jsonl").write_bytes(OLD)

    with serve(site) as base:
        process = started(tmp_path, f"{base}/{site.order[4]}/", str(refusals), "-O", "out.jsonl")
        told = signalled(process, signum)

    assert_interrupted(process, told, tmp_path, "1 article")


def test_a_partial_file_a_killed_run_left_is_replaced_by_the_next(
    site: FakeSite, refusals: Path, tmp_path: Path
) -> None:
    (tmp_path / "out.jsonl").write_bytes(OLD)
    signalled(started(tmp_path, str(refusals), "-O", "out.jsonl"), signal.SIGKILL)
    assert (tmp_path / "out.jsonl").read_bytes() == OLD
    assert (tmp_path / "out.jsonl.partial").is_file()
    archive(tmp_path / "archive", site, article_paths(site)[:1])

    done = scrapy_extract(tmp_path, "archive", "-O", "out.jsonl")

    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert items_in("\n".join(lines), tmp_path / "archive") == [
        expected(site)[f"{BASE}/{site.order[0]}/"]
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["archive", "out.jsonl"]


def test_a_signal_during_the_fetch_stops_the_run(site: FakeSite, tmp_path: Path) -> None:
    (tmp_path / "out.jsonl").write_bytes(OLD)
    path = f"/{site.order[4]}/"
    site.overrides[path] = slow_first(2)

    with serve(site) as base:
        process = started(tmp_path, base + path, "-O", "out.jsonl")
        while path not in site.requests and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, told = process.communicate(timeout=60)

    assert process.returncode == 130
    assert told == "Extracted 0 articles from 0 pages; interrupted\n"
    assert (tmp_path / "out.jsonl").read_bytes() == OLD
    assert [path.name for path in tmp_path.iterdir()] == ["out.jsonl"]


@pytest.mark.parametrize(
    ("reason", "robots_txt", "why"),
    [
        ("robots", None, "robots.txt disallows it (robots)"),
        ("robots", "connection_refused", "could not be reached (connection_refused)"),
        ("robots", "dns_error", "could not be reached (dns_error)"),
        (
            "robots",
            "http_503",
            "robots.txt could not be fetched (http_503), so the site is disallowed",
        ),
        ("timeout", None, "could not be reached (timeout)"),
        ("http_404", None, "the fetch failed (http_404)"),
    ],
)
def test_a_url_not_fetched_is_told_by_why(reason: str, robots_txt: str | None, why: str) -> None:
    assert unfetched(reason, robots_txt) == why


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port: int = listener.getsockname()[1]
    return port


def test_a_site_whose_robots_txt_cannot_be_fetched_is_told_from_one_it_disallows(
    site: FakeSite, tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/{site.order[0]}/"
    site.overrides["/robots.txt"] = always(Reply(503, b"down", {}))
    with serve(site) as base:
        done = scrapy_extract(tmp_path, dead, f"{base}/{site.order[1]}/")

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: {dead}: could not be reached (connection_refused)",
        f"error: {base}/{site.order[1]}/: robots.txt could not be fetched (http_503), so the"
        " site is disallowed",
        "Extracted 0 articles from 0 pages; 2 of 2 sources not read whole",
    ]


def test_wordpress_fatal_error_page_after_a_cut_is_refused_as_the_crawl_refuses_it(
    site: FakeSite, tmp_path: Path
) -> None:
    url, page = article_page(site, 4)
    fatal = (
        b'<!DOCTYPE html><html><head></head><body id="error-page"><div class="wp-die-message">'
        b"<p>There has been a critical error on this website.</p></div></body></html>"
    )
    # Cut inside the ad's script: the message becomes script text, yet the page ends.
    cut = page[: page.index(b"adsbygoogle ||")] + fatal
    path = warcio_records(tmp_path / "fatal.warc.gz", (url, 200, cut))

    items, told = extract(path)

    assert items == {}
    assert told == [
        f"refused: error_page {url}",
        "Extracted 0 articles from 1 page; refused: error_page 1",
    ]
