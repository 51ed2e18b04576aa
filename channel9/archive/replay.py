"""The crawl replayed from the archive: the latest capture of each URL served in place of
the site (``-a replay=``), the site told by the files."""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Collection
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fastwarc.warc import (
    ArchiveIterator,
    WarcRecord,
    WarcRecordType,
)
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from channel9.archive.mend import mend
from channel9.archive.reader import readable_responses
from channel9.archive.warc import (
    FETCHED_AT,
    KIND_FIELD,
    OPEN,
    RECORD,
    SITE_FIELD,
    SUFFIX,
    ArchiveUnusable,
    Location,
)
from channel9.failures import Refused, retried_statuses
from channel9.reasons import Reason

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}
"""The schemes of the web and the port each leaves unsaid."""


@dataclass(frozen=True)
class Capture:
    """Where a response record lies, and when it was fetched."""

    date: datetime
    path: Path
    offset: int
    kind: str | None = None


def warc_files(path: Path) -> list[Path]:
    """The WARC files at ``path``: the file itself, or those under the folder, named
    ``.warc`` or ``.warc.gz`` in any case (files that a run still writes, ``.open``, are
    not read)."""
    if path.is_file():
        return [path]
    return sorted(
        found
        for found in path.rglob("*")
        if found.name.lower().endswith((".warc", SUFFIX)) and found.is_file()
    )


def left_open(path: Path) -> list[Path]:
    """The archive files under the folder ``path`` that a crawl still writes, or that a
    killed one left (named ``.open``), in order: none for a file."""
    return sorted(path.rglob(f"*{SUFFIX}{OPEN}")) if path.is_dir() else []


def site_of_replay(path: Path, given: str | None) -> str:
    """The site a replay of the archive at ``path`` is of: ``given`` (its ``base_url``)
    when the archive holds that site (the same origin, however spelt) or tells none, else
    the one site it holds.

    :class:`ArchiveUnusable` for a ``given`` site the archive does not hold, and, when
    none is given, for an archive that holds several sites or tells none."""
    # Files a killed run left open tell their site too: the replay mends them later.
    paths = [*warc_files(path), *left_open(path)]
    if not paths:
        raise ArchiveUnusable(f"replay={path}: no WARC files there")
    # Each site by its origin, as the last file naming it spells it.
    held = {origin(site): site for site in map(site_of, paths) if site is not None}
    sites = ", ".join(sorted(held.values()))
    if given is not None:
        if held and origin(given) not in held:
            hint = "leave base_url out" if len(held) == 1 else "give one of them"
            raise ArchiveUnusable(
                f"base_url={given} is not the site of the archive replay={path} holds"
                f" ({sites}): {hint}"
            )
        return given
    if len(held) == 1:
        return held.popitem()[1]
    said = f"holds several sites ({sites})" if held else "tells no site"
    raise ArchiveUnusable(f"replay={path}: the archive {said}: give -a base_url=")


def files_of_site(paths: list[Path], site: str) -> list[Path]:
    """The files of ``paths`` that hold ``site`` (by its origin, as :func:`site_of` tells
    a file's), or tell no site: a replay of one site reads no page of another kept in the
    same folder, its articles above all, which it would write as the site's."""
    wanted = origin(site)
    kept: list[Path] = []
    other: list[Path] = []
    for path in paths:
        held = site_of(path)
        (other if held is not None and origin(held) != wanted else kept).append(path)
    if other:
        logger.info("Not replaying %d WARC files of other sites than %s", len(other), site)
    return kept


def site_of(path: Path) -> str | None:
    """The site a WARC file holds: the one its ``warcinfo`` record names
    (:data:`SITE_FIELD`); in a file that names none (another tool's, or one written before
    the field was) the origin of its first home-page record, where the crawl began
    whatever that redirected to; else the commonest origin of its article records, else
    of its http(s) responses (a sitemap or a redirect elsewhere is one among many).

    Damage ends the reading without a word: the replay's index names it."""
    articles: Counter[str] = Counter()
    responses: Counter[str] = Counter()
    kinds = WarcRecordType.warcinfo | WarcRecordType.response
    with path.open("rb") as file, suppress(OSError):
        for record in ArchiveIterator(file, record_types=kinds, parse_http=False):
            if record.record_type == WarcRecordType.warcinfo:
                site = warc_fields(record.reader.read()).get(SITE_FIELD)
                if site and web_origin(site):
                    return site
                continue
            where = web_origin(target(record))
            if where is None:
                continue
            kind = record.headers.get(KIND_FIELD)
            if kind == "home":
                return where
            if kind == "article":
                articles[where] += 1
            responses[where] += 1
    for counted in (articles, responses):
        if counted:
            return counted.most_common(1)[0][0]
    return None


def warc_fields(block: bytes) -> dict[str, str]:
    """The ``name: value`` lines of an ``application/warc-fields`` block."""
    fields = {}
    for line in block.decode("utf-8", "replace").splitlines():
        name, colon, value = line.partition(":")
        if colon:
            fields[name.strip()] = value.strip()
    return fields


def target(record: WarcRecord) -> str:
    """A record's ``WARC-Target-URI`` (WARC 1.0 writers may wrap it in angle brackets)."""
    return (record.headers.get("WARC-Target-URI") or "").strip("<>")


def origin(url: str) -> str:
    """The ``scheme://host[:port]`` of a URL as browsers compare them: the scheme and the
    host in lower case, the scheme's default port left out. :class:`ValueError` for a
    port that is none."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:  # IPv6, bracketed again
        host = f"[{host}]"
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    return f"{scheme}://{host}"


def web_origin(url: str) -> str | None:
    """The origin of an http(s) URL; ``None`` for another scheme or a malformed URL."""
    try:
        if urlsplit(url).scheme.lower() in DEFAULT_PORTS:
            return origin(url)
    except ValueError:
        pass
    return None


def index(
    paths: list[Path], retried: Collection[int]
) -> tuple[dict[str, Capture], list[dict[str, object]]]:
    """The latest capture of each URL (the later record when two share a date), an
    answer the crawl asks again for (``retried``: ``RETRY_HTTP_CODES``) only when the URL
    has no other: a run that met the site down must not spoil the rebuild.

    Also the damage met (see ``readable_responses``), in file order: a damaged file
    spoils neither its other records nor the other files."""
    latest: dict[str, tuple[bool, Capture]] = {}
    lasts: dict[Path, Capture] = {}
    """Each file's last capture: read alone, to know that records can be (in a file gzipped
    as a whole, the first may be read from the file's start, never a later one)."""
    damaged: list[dict[str, object]] = []
    skipped = 0
    for path in paths:
        for record in readable_responses(path, damaged):
            url = record.headers.get("WARC-Target-URI")
            status = record.http_headers.status_code if record.is_http else None
            try:
                date = record.record_date
            except ValueError:
                date = None
            if not url or not status or date is None:
                skipped += 1
                continue
            capture = Capture(date, path, record.stream_pos, record.headers.get(KIND_FIELD))
            lasts[path] = capture
            answered = status not in retried
            if url not in latest or (answered, date) >= (latest[url][0], latest[url][1].date):
                latest[url] = (answered, capture)
    if skipped:
        logger.warning("Skipped %d response records without a URL, a date or a status", skipped)
    for last in lasts.values():
        try:
            replayed(last, Request("http://replay.invalid/"))
        except (OSError, ValueError):
            raise ValueError(
                f"{last.path}: its records cannot be read one by one (gzipped as a whole"
                " file, not record by record?)"
            ) from None
    return {url: capture for url, (_, capture) in latest.items()}, damaged


def replayed(capture: Capture, request: Request) -> tuple[Response, Location]:
    """The response recorded in ``capture``, as the downloader would have given it, and
    where its record lies: up to the next record (the next gzip member, in a file gzipped
    record by record) or the file's end."""
    with capture.path.open("rb") as file:
        file.seek(capture.offset)
        records = iter(ArchiveIterator(file, auto_decode="transfer"))
        record = next(records, None)
        if record is None or record.record_type != WarcRecordType.response:
            raise ValueError(f"{capture.path}: no response record at byte {capture.offset}")
        status = record.http_headers.status_code
        assert status is not None  # the index takes no record without one
        headers = Headers(list(record.http_headers.items_bytes()))
        headers.pop(b"Transfer-Encoding", None)  # taken off, as a download would
        body = record.reader.read()
        following = next(records, None)
        end = following.stream_pos if following is not None else os.fstat(file.fileno()).st_size
    kind = responsetypes.from_args(headers=headers, url=request.url, body=body)
    response = kind(
        url=request.url,
        status=status,
        headers=headers,
        body=body,
        request=request,
        flags=["archive"],
    )
    # By the file's name, as the crawl that wrote it gave it: a replay of the archive
    # gives the crawl's items, whatever folder above it was named.
    return response, Location(capture.path.name, capture.offset, end - capture.offset)


class ReplayMiddleware:
    """With ``-a replay=PATH``: every response taken from the archive at ``PATH``, the
    latest capture of its URL, the moment of that capture as the fetch time; a request
    for a URL it lacks fails as ``not_archived``. Nothing reaches the network. Only the
    files of the spider's site (its ``base_url``) are read: those of other sites in the
    same folder are left out (see :func:`files_of_site`).

    A damaged record or stretch of a file is left out and named (``damaged``, and the
    stat ``channel9/archive/damaged``), the rest of the archive replayed: only an archive
    of which no page can be read cannot be."""

    def __init__(self, captures: dict[str, Capture], damaged: list[dict[str, object]]) -> None:
        self.captures = captures
        self.damaged = damaged
        """The damaged records and stretches of the archive the replay skipped, in file
        order: each one's ``file``, byte ``offset`` and ``why``."""
        self.asked: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        replay = crawler.settings.get("CHANNEL9_REPLAY")
        if not replay:
            raise NotConfigured("not a replay")
        source = Path(replay)
        if source.name.endswith(OPEN):
            raise ArchiveUnusable(
                f"replay={source}: a file still being written, or left by a killed run"
                " (which the next crawl, or a replay of its folder, mends)"
            )
        opened = left_open(source)
        try:
            # Files killed runs left open: their whole records are as good as any.
            for folder in {path.parent for path in opened}:
                mend(folder)
        except OSError as error:
            raise ArchiveUnusable(
                f"replay={source}: cannot mend its open files ({error})"
            ) from None
        held = [path for path in opened if path.exists()]  # held by a crawl: not mended
        site: str | None = getattr(crawler.spider, "base_url", None)
        paths = warc_files(source)
        if site is not None:
            paths = files_of_site(paths, site)
        if not paths and held:
            raise ArchiveUnusable(
                f"replay={source}: {', '.join(map(str, held))} is still being written by"
                " a crawl: replay it once that crawl has ended"
            )
        if not paths:
            of = "" if site is None else f" of {site}"
            raise ArchiveUnusable(f"replay={source}: no WARC files{of} there")
        if held:
            logger.warning("Not replaying %d files a crawl is writing now", len(held))
        try:
            captures, damaged = index(paths, retried_statuses(crawler.settings))
        except (OSError, ValueError) as error:
            raise ArchiveUnusable(f"replay={source}: cannot read the archive ({error})") from None
        if damaged:
            if not captures:
                files = ", ".join(dict.fromkeys(str(damage["file"]) for damage in damaged))
                raise ArchiveUnusable(
                    f"replay={source}: no page can be read from it, its files are damaged ({files})"
                )
            assert crawler.stats is not None
            crawler.stats.inc_value("channel9/archive/damaged", len(damaged))
        logger.info("Replaying %d pages from %d WARC files", len(captures), len(paths))
        return cls(captures, damaged)

    def process_request(self, request: Request, spider: Spider | None = None) -> Response:
        self.asked.add(request.url)
        capture = self.captures.get(request.url)
        if capture is None:
            raise Refused(Reason.NOT_ARCHIVED, request.url)
        request.meta[FETCHED_AT] = capture.date.isoformat()
        response, request.meta[RECORD] = replayed(capture, request)
        return response

    def not_asked(self, kind: str) -> list[str]:
        """The pages the archive holds, of that kind, that the replay has not asked for."""
        return sorted(
            url
            for url, capture in self.captures.items()
            if capture.kind == kind and url not in self.asked
        )
