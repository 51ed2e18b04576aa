"""The web archive: every response the crawl receives, kept with its request as WARC
records (ISO 28500, which warcio, FastWARC, pywb and every archive tool read), and the
crawl replayed from them with the site gone.

FastWARC writes and reads them: on this machine it wrote a page 1.6 to 5.8 times faster
than warcio and read it 2.5 to 5 times faster (``benchmarks/warc_libraries.py``). The
tests read the files back with warcio, the reference reader.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import logging
import os
import re
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from importlib.metadata import version
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, cast
from urllib.parse import urlsplit, urlunparse

from fastwarc.stream_io import GzipReader, GzipWriter
from fastwarc.warc import (
    ArchiveIterator,
    WarcRecord,
    WarcRecordType,
    has_block_digest,
    has_payload_digest,
)
from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.utils.httpobj import urlparse_cached
from twisted.web.http import RESPONSES

from channel9 import __version__
from channel9.failures import Reason, Refused, StartupError, retried_statuses, stop_run

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)

SUFFIX = ".warc.gz"
OPEN = ".open"
"""Added to a file's name while a run writes it (as Heritrix does): a file still so
named once no run holds it was cut short by a killed run, and the next run mends it."""
GZIP_LEVEL = 3
"""Files 3% larger than at level 9 for a quarter of the CPU (measured on a page the
size of a theme's article page)."""
FETCHED_AT = "fetched_at"
"""Request meta: when the response was fetched (ISO 8601, UTC); the capture's WARC-Date
when it comes from the archive."""
ARCHIVED = "archived"
"""Request meta: whether the response is in the run's archive."""
KIND = "kind"
KIND_FIELD = "Channel9-Kind"
"""A WARC field of each response record: what the crawl asked the page for (``home``,
``listing``, ``article``), so that a replay finds every article the archive holds."""
SITE_FIELD = "Channel9-Base-URL"
"""A field of each archive file's ``warcinfo`` record: the site the crawl was of, its
``base_url``, so that a replay of the file needs none."""
DEFAULT_PORTS = {"http": 80, "https": 443}
"""The schemes of the web and the port each leaves unsaid."""
SECRET_HEADERS = (b"Authorization", b"Proxy-Authorization", b"Cookie")
GZIP_MEMBER = b"\x1f\x8b\x08"
"""How a gzip member begins (its magic number, then deflate): where a replay may read on
after damage, each record being a member of its own."""
MAX_HEADER = 32 << 10
"""The longest WARC header FastWARC reads (its ``max_header_len``)."""
WARC_VERSION = b"WARC/"
"""How a WARC record begins (its version line), once ungzipped."""
RECORD_END = b"\r\n\r\n"
"""What ends a WARC record's header, and the record after its block."""
CONTENT_LENGTH = re.compile(
    rb"(?:^|\r\n)Content-Length:[ \t]*([0-9]+)[ \t]*(?:\r\n|$)", re.IGNORECASE
)
"""A WARC header's ``Content-Length`` field: the bytes of the record's block."""
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Bytes that no WARC header holds: NULs where a stretch was zeroed, say."""
CHUNK = 1 << 20
"""How much of a file is read, or unpacked, at a time: a gzip bomb takes no memory."""


class ArchiveUnusable(StartupError):
    """The archive folder cannot be written, or a replay has nothing to read."""


def fetched_at(response: Response) -> datetime | None:
    """When the page was fetched, as the archive records it; None when it does not."""
    stamp = response.meta.get(FETCHED_AT)
    return datetime.fromisoformat(stamp) if stamp else None


def is_archived(response: Response) -> bool:
    """Whether the page is kept as the run needs: in the archive, when there is one."""
    return bool(response.meta.get(ARCHIVED, True))


def warc_date(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _record(kind: WarcRecordType, headers: dict[str, str], block: bytes) -> WarcRecord:
    record: WarcRecord = WarcRecord()
    record.init_headers(kind)
    for name, value in headers.items():
        record.headers.set(name, value)
    record.set_bytes_content(block)
    return record


def _gzipped(*records: tuple[WarcRecord, bytes | None]) -> bytes:
    """The records, each its own gzip member (so that each can be read alone), with
    their block digests and the payload digests given."""
    buffer = io.BytesIO()
    writer = GzipWriter(buffer, compression_level=GZIP_LEVEL)
    for record, payload_digest in records:
        record.write(writer, checksum_data=True, payload_digest=payload_digest)
        writer.finish()
    return buffer.getvalue()


def _header_lines(headers: Headers, leave_out: tuple[bytes, ...]) -> bytes:
    return b"".join(
        b"%s: %s\r\n" % (name, value)
        for name, values in headers.items()
        if name not in leave_out
        for value in values
    )


def response_block(response: Response) -> bytes:
    """The response as the server sent it, less the chunking Twisted took off: the body
    still content-encoded, and ``Content-Length`` its length when the server sent it in
    chunks or until it closed the connection."""
    headers = response.headers
    measured = b"Transfer-Encoding" in headers or (
        bool(response.body) and b"Content-Length" not in headers
    )
    dropped = (b"Transfer-Encoding", b"Content-Length") if measured else (b"Transfer-Encoding",)
    lines = _header_lines(headers, dropped)
    if measured:
        lines += b"Content-Length: %d\r\n" % len(response.body)
    status = response.status
    protocol = (response.protocol or "HTTP/1.1").encode()
    line = b"%s %d %s\r\n" % (protocol, status, RESPONSES.get(status, b"Unknown"))
    return line + lines + b"\r\n" + response.body


def request_block(request: Request) -> bytes:
    """The request as sent (``Host`` with its port), less the credentials an archive
    must not keep."""
    parts = urlparse_cached(request)
    target = urlunparse(("", "", parts.path or "/", parts.params, parts.query, ""))
    line = b"%s %s HTTP/1.1\r\nHost: %s\r\n" % (
        request.method.encode(),
        target.encode(),
        parts.netloc.encode(),
    )
    return line + _header_lines(request.headers, SECRET_HEADERS) + b"\r\n" + request.body


class WarcFiles:
    """A run's archive files: ``channel9-<run id>-<NNNNN>.warc.gz``, each begun with a
    ``warcinfo`` record, the next begun once one has ``max_bytes``. A request and its
    response are written in one write, so that a killed run cuts at most the last."""

    def __init__(self, folder: Path, run_id: str, max_bytes: int, info: dict[str, str]) -> None:
        self.folder = folder
        self.run_id = run_id
        self.max_bytes = max_bytes
        self.info = info
        self.files: dict[Path, int] = {}
        """Each file as it is named once finished, and its bytes."""
        self._file: IO[bytes] | None = None
        self._info_id = ""
        self.closed = False
        self.damaged = False

    def write(self, request: Request, response: Response, fetched: datetime) -> None:
        if self.closed or self.damaged:
            raise OSError("the archive was closed at the end of the run, or is damaged")
        if self._file is None:
            self._open()
        common = {
            "WARC-Target-URI": response.url,
            "WARC-Date": warc_date(fetched),
            "WARC-Warcinfo-ID": self._info_id,
        }
        if response.ip_address is not None:
            common["WARC-IP-Address"] = str(response.ip_address)
        fields = dict(common)
        if "dataloss" in response.flags:  # DOWNLOAD_FAIL_ON_DATALOSS off: a body cut short
            fields["WARC-Truncated"] = "disconnect"
        if KIND in request.meta:
            fields[KIND_FIELD] = request.meta[KIND]
        answer = _record(WarcRecordType.response, fields, response_block(response))
        answer.is_http = True
        question = _record(
            WarcRecordType.request,
            {**common, "WARC-Concurrent-To": str(answer.record_id)},
            request_block(request),
        )
        question.is_http = True
        digest = hashlib.sha1(response.body, usedforsecurity=False).digest()
        self._append(_gzipped((answer, digest), (question, None)))
        if self.files[self._path] >= self.max_bytes:
            self._finish()

    @property
    def _path(self) -> Path:
        return next(reversed(self.files))

    def _open(self) -> None:
        name = f"channel9-{self.run_id}-{len(self.files):05d}{SUFFIX}"
        self.folder.mkdir(parents=True, exist_ok=True)
        file = (self.folder / (name + OPEN)).open("xb", buffering=0)
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            file.close()
            raise
        self._file = file
        self.files[self.folder / name] = 0
        fields = "".join(f"{key}: {value}\r\n" for key, value in self.info.items())
        info = _record(
            WarcRecordType.warcinfo,
            {
                "WARC-Date": warc_date(datetime.now(timezone.utc)),
                "WARC-Filename": name,
                "Content-Type": "application/warc-fields",
            },
            fields.encode(),
        )
        self._info_id = str(info.record_id)
        self._append(_gzipped((info, None)))

    def _append(self, data: bytes) -> None:
        """Writes ``data`` whole (in the file system, not a buffer) or not at all."""
        assert self._file is not None
        start = self._file.tell()
        view = memoryview(data)
        try:
            while view:
                view = view[self._file.write(view) or 0 :]
        except OSError:
            try:
                self._file.truncate(start)
                self._file.seek(start)
            except OSError:
                self.damaged = True  # left .open: the next run cuts the partial record off
            raise
        self.files[self._path] += len(data)

    def _finish(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
            if not self.damaged:
                self._path.with_name(self._path.name + OPEN).replace(self._path)

    def close(self) -> dict[Path, int]:
        """Finishes the last file; the files written and their bytes."""
        if not self.closed:
            self.closed = True
            self._finish()
        return self.files


def complete_length(path: Path) -> int:
    """The bytes of ``path`` up to the end of its last whole gzip member: a record cut
    off by a killed run ends before it (readers take such a record for whole)."""
    end = 0
    with path.open("rb") as file:
        while (after := member_end(file, end)) is not None:
            end = after
    return end


def mend(folder: Path) -> list[Path]:
    """Finishes the files that killed runs left open: a cut-off last record set aside
    into ``<file>.broken``, the file given its final name. Files another run still
    holds are left alone."""
    mended = []
    for opened in sorted(folder.glob(f"*{SUFFIX}{OPEN}")):
        with opened.open("r+b") as file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            size = opened.stat().st_size
            if not size:  # nothing to mend, or a run that has just created it
                continue
            end = complete_length(opened)
            final = opened.with_name(opened.name.removesuffix(OPEN))
            if end < size:
                file.seek(end)
                final.with_name(final.name + ".broken").write_bytes(file.read())
                file.truncate(end)
                logger.warning("Set aside the cut-off last record of %s (a killed run)", final)
            opened.replace(final)
        mended.append(final)
    return mended


class ArchiveMiddleware:
    """Writes every response the crawl receives, with its request, to the archive
    (``CHANNEL9_ARCHIVE``), and stamps it with the moment it was fetched.

    It sits nearest the downloader, so it keeps the body as the server sent it (before
    decompression) and every answer: robots.txt, redirects, errors, challenges. A page
    that could not be archived stops the run (``archive_error``), and its article does
    not count as exported.
    """

    def __init__(self, crawler: Crawler, files: WarcFiles) -> None:
        self.crawler = crawler
        self.files = files
        self.error: OSError | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        folder = settings.get("CHANNEL9_ARCHIVE")
        if not folder:
            raise NotConfigured("CHANNEL9_ARCHIVE is empty: no archive")
        try:
            Path(folder).mkdir(parents=True, exist_ok=True)
            mend(Path(folder))
            # A folder that cannot be written fails now, not at the first page.
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            raise ArchiveUnusable(f"the archive folder {folder} cannot be used: {error}") from None
        run_id = getattr(crawler.spider, "run_id", None) or "unnamed"
        info = {
            "software": f"channel9/{__version__} (Scrapy {version('scrapy')},"
            f" FastWARC {version('fastwarc')})",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
            "warc-format/warc-1.1/",
            "isPartOf": f"channel9-{run_id}",
            SITE_FIELD: getattr(crawler.spider, "base_url", ""),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "http-header-user-agent": settings.get("USER_AGENT"),
        }
        max_bytes = settings.getint("CHANNEL9_ARCHIVE_MAX_BYTES")
        middleware = cls(crawler, WarcFiles(Path(folder), run_id, max_bytes, info))
        crawler.signals.connect(middleware.close, signal=signals.spider_closed)
        return middleware

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        # Both set anew for every response: a redirect or a retry carries its parent's.
        # The capture began when the request went out, the latency before the answer.
        latency = timedelta(seconds=request.meta.get("download_latency", 0.0))
        fetched = datetime.now(timezone.utc) - latency
        request.meta[FETCHED_AT] = fetched.isoformat()
        request.meta[ARCHIVED] = False
        try:
            self.files.write(request, response, fetched)
        except OSError as error:
            self._failed(error)
        else:
            request.meta[ARCHIVED] = True
        return response

    def _failed(self, error: OSError) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("channel9/archive_error")
        if self.error is None and not self.files.closed:
            self.error = error
            logger.error("Could not write to the archive (%s): stopping the run", error)
            stop_run(self.crawler, "archive_error")

    def close(self) -> dict[Path, int]:
        """Finishes the archive (once the run is over): its files and their bytes."""
        try:
            return self.files.close()
        except OSError as error:
            self.error = self.error or error
            return self.files.files


@dataclass(frozen=True)
class Capture:
    """Where a response record lies, and when it was fetched."""

    date: datetime
    path: Path
    offset: int
    kind: str | None = None


def warc_files(path: Path) -> list[Path]:
    """The WARC files at ``path``: the file itself, or those under the folder (files
    that a run still writes, ``.open``, are not read)."""
    if path.is_file():
        return [path]
    return sorted(
        found
        for pattern in ("*.warc", "*.warc.gz")
        for found in path.rglob(pattern)
        if found.is_file()
    )


def site_of_replay(path: Path, given: str | None) -> str:
    """The site a replay of the archive at ``path`` is of: ``given`` (its ``base_url``)
    when the archive holds that site (the same origin, however spelt) or tells none, else
    the one site it holds.

    :class:`ArchiveUnusable` for a ``given`` site the archive does not hold, and, when
    none is given, for an archive that holds several sites or tells none."""
    # Files a killed run left open tell their site too: the replay mends them later.
    opened = sorted(path.rglob(f"*{SUFFIX}{OPEN}")) if path.is_dir() else []
    paths = [*warc_files(path), *opened]
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
    firsts: dict[Path, Capture] = {}
    """Each file's first capture: read alone, to know that records can be."""
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
            firsts.setdefault(path, capture)
            answered = status not in retried
            if url not in latest or (answered, date) >= (latest[url][0], latest[url][1].date):
                latest[url] = (answered, capture)
    if skipped:
        logger.warning("Skipped %d response records without a URL, a date or a status", skipped)
    for first in firsts.values():
        try:
            replayed(first, Request("http://replay.invalid/"))
        except (OSError, ValueError, StopIteration):
            raise ValueError(
                f"{first.path}: its records cannot be read one by one (gzipped as a whole"
                " file, not record by record?)"
            ) from None
    return {url: capture for url, (_, capture) in latest.items()}, damaged


def readable_responses(
    path: Path, damaged: list[dict[str, object]], checked: Checked | None = None
) -> Iterator[WarcRecord]:
    """The response records of a WARC file that its digests vouch for, their HTTP headers
    parsed; each damaged record or stretch met instead is logged and added to
    ``damaged``: its ``file``, byte ``offset`` and ``why``, one per offset, in file order.
    ``checked`` is told how far the damage is looked for, before the first record.

    The reader alone can stop early without an error (at a last gzip member cut short, a
    header cut a few bytes in) or take a garbled header for a record of some other type:
    every stretch that is not whole records (see :func:`damaged_stretches`) is named
    before any record is given, and no record that begins at one is given. A gzipped
    file (``.gz``) is read on from the next whole gzip member after damage (bytes
    appended, a member garbled), each record being one; an uncompressed file from the
    end of a damaged record, as long as its end can be told."""
    first = len(damaged)
    for damage in damaged_stretches(path, checked):
        _tell(damaged, first, damage)
    unread = {damage["offset"] for damage in damaged[first:]}
    gzipped = path.name.endswith(".gz")
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        start: int | None = 0
        while start is not None and start < size:
            begin, start = start, None
            file.seek(begin)
            reader = GzipReader(file) if gzipped else file
            last: WarcRecord | None = None  # uncompressed, damage begins past its end
            try:
                # Detecting the stream, FastWARC would give the first record the next
                # member's stream_pos.
                for last in ArchiveIterator(reader, parse_http=False, stream_detect=not gzipped):
                    if last.record_type != WarcRecordType.response:
                        continue
                    why = _unvouched(last)
                    if why:
                        _tell(damaged, first, damage_at(path, last.stream_pos, why))
                    elif last.stream_pos not in unread:  # else its header is garbled
                        yield last
            except OSError as error:
                if isinstance(reader, GzipReader):
                    offset = reader.frame_start_position() or begin
                    start = next_member(file, offset)
                else:
                    after = _plain_end(file, last.stream_pos, size) if last else begin
                    offset = begin if after is None else after
                    start = None if after is None else _plain_end(file, offset, size)
                _tell(damaged, first, damage_at(path, offset, str(error)))
                logger.warning(
                    "%s: %s",
                    path,
                    "nothing readable after it" if start is None else f"read on at byte {start}",
                )


def _tell(damaged: list[dict[str, object]], first: int, damage: dict[str, object]) -> None:
    """Adds a damage of the file whose damages begin at ``first`` in ``damaged``, in file
    order, and logs it; the reader's why replaces a stretch's at the same offset (it
    says more)."""
    offset = cast("int", damage["offset"])
    logger.warning(
        "Skipped a damaged archive record or stretch: %s at byte %d (%s)",
        damage["file"],
        offset,
        damage["why"],
    )
    for at in range(first, len(damaged)):
        told = cast("int", damaged[at]["offset"])
        if told == offset:
            damaged[at] = damage
            return
        if told > offset:
            damaged.insert(at, damage)
            return
    damaged.append(damage)


def _plain_end(file: BinaryIO, offset: int, size: int) -> int | None:
    """Where the record of an uncompressed file that begins at ``offset`` ends, if that
    can be told."""
    try:
        return record_end(file, offset, header_at(file, offset), size)
    except NotWhole:
        return None


def _unvouched(record: WarcRecord) -> str | None:
    """Why the record's digests do not vouch for it, if they do not (its HTTP headers are
    parsed on the way): one cut short or altered is not to be replayed."""
    if not has_block_digest(record):
        return "no digest to check it by"
    if not record.verify_block_digest():
        return "its block digest does not match it"
    if record.is_http:
        record.parse_http()
    if has_payload_digest(record) and not record.verify_payload_digest():
        return "its payload digest does not match it"
    return None


def damage_at(path: Path, offset: int, why: str) -> dict[str, object]:
    """A damaged record or stretch of a WARC file, as :func:`readable_responses` tells
    one: the report and ``scrapy extract`` name it so."""
    return {"file": str(path), "offset": offset, "why": why}


Checked = Callable[[int], object]
"""Told the offset up to which a file is checked, as the check goes (a progress meter)."""


def damaged_stretches(path: Path, checked: Checked | None = None) -> list[dict[str, object]]:
    """Each stretch of a WARC file that is not whole records, as a damage.

    The gzip members, or the records of an uncompressed file, must follow one another
    from its first byte to its last: what the reader passes over silently is found so."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        gzipped = path.name.endswith(".gz")
        stretches = (gzip_stretches if gzipped else record_stretches)(file, size, checked)
        return [damage_at(path, offset, why) for offset, why in stretches]


def gzip_stretches(
    file: BinaryIO, size: int, checked: Checked | None = None
) -> Iterator[tuple[int, str]]:
    """Where each stretch of a gzipped file that is no whole gzip member begins, and why.

    One cut short (the file cut off, a killed writer's last record), garbled, or bytes
    past the last member: the reader ends at the first without a word."""
    offset: int | None = 0
    while offset is not None and offset < size:
        end = member_end(file, offset)
        if end is None:
            yield offset, "not a whole gzip member (cut short or garbled)"
            offset = next_member(file, offset)
        else:
            offset = end
        if checked is not None:
            checked(size if offset is None else offset)


def member_end(file: BinaryIO, offset: int) -> int | None:
    """Where the gzip member that begins at ``offset`` ends, if it is whole.

    Its checksum must be right; it is unpacked a chunk at a time, so that a gzip bomb
    takes no memory."""
    file.seek(offset)
    member = zlib.decompressobj(wbits=31)
    read = 0
    data = b""
    try:
        while not member.eof:
            if not data:
                data = file.read(CHUNK)
                if not data:
                    return None
                read += len(data)
            member.decompress(data, CHUNK)
            data = member.unconsumed_tail
    except zlib.error:
        return None
    return offset + read - len(member.unused_data)


def next_member(file: BinaryIO, offset: int) -> int | None:
    """Where the first whole gzip member after ``offset`` begins, if one does.

    The bytes of its magic number can also occur inside damaged data: the member found
    must be whole."""
    position = offset + 1
    while True:
        file.seek(position)
        chunk = file.read(CHUNK)
        found = chunk.find(GZIP_MEMBER)
        if found >= 0:
            if member_end(file, position + found) is not None:
                return position + found
            position += found + 1
        elif len(chunk) < CHUNK:
            return None
        else:  # the magic number may straddle the chunks
            position += len(chunk) - len(GZIP_MEMBER) + 1


def record_stretches(
    file: BinaryIO, size: int, checked: Checked | None = None
) -> Iterator[tuple[int, str]]:
    """Where each record of an uncompressed file that is not whole, or whose header is
    not text, begins, and why.

    Past a record whose end cannot be told, nothing more is: the next record's start is
    unknown."""
    offset = 0
    while offset < size:
        try:
            header = header_at(file, offset)
            end = record_end(file, offset, header, size)
        except NotWhole as error:
            yield offset, str(error)
            return
        if CONTROL.search(header):
            yield offset, "malformed record: its header holds control bytes (zeroed?)"
        offset = end
        if checked is not None:
            checked(offset)


class NotWhole(Exception):
    """Why the end of a record of an uncompressed file cannot be told."""


def record_end(file: BinaryIO, offset: int, header: bytes, size: int) -> int:
    """Where the record that begins at ``offset``, with this ``header``, ends.

    Past its block and the blank line after it, which must be there: a ``Content-Length``
    that is wrong, or a file cut inside the record, raises :class:`NotWhole`."""
    length = CONTENT_LENGTH.search(header)
    if length is None:
        raise NotWhole("malformed record: no Content-Length")
    end = offset + len(header) + int(length[1]) + 2 * len(RECORD_END)
    file.seek(end - len(RECORD_END))
    if file.read(len(RECORD_END)) == RECORD_END:
        return end
    if end > size:
        raise NotWhole("cut short: the file ends inside it")
    raise NotWhole("it does not end where its Content-Length says")


def header_at(file: BinaryIO, offset: int) -> bytes:
    """The header of the WARC record that begins at ``offset``, without the blank line
    that ends it.

    :class:`NotWhole` when no whole one does: a header cut short, or no WARC there."""
    file.seek(offset)
    head = file.read(1 << 12)
    if RECORD_END not in head:
        head += file.read(MAX_HEADER)
    length = head.find(RECORD_END)
    if not head.startswith(WARC_VERSION) or length < 0:
        raise NotWhole("no whole WARC record header here")
    return head[:length]


def replayed(capture: Capture, request: Request) -> Response:
    """The response recorded in ``capture``, as the downloader would have given it."""
    with capture.path.open("rb") as file:
        file.seek(capture.offset)
        records = ArchiveIterator(file, WarcRecordType.response, auto_decode="transfer")
        record = next(iter(records))
        status = record.http_headers.status_code
        assert status is not None  # the index takes no record without one
        headers = Headers(list(record.http_headers.items_bytes()))
        headers.pop(b"Transfer-Encoding", None)  # taken off, as a download would
        body = record.reader.read()
    kind = responsetypes.from_args(headers=headers, url=request.url, body=body)
    return kind(
        url=request.url,
        status=status,
        headers=headers,
        body=body,
        request=request,
        flags=["archive"],
    )


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
        opened = list(source.rglob(f"*{SUFFIX}{OPEN}"))
        try:
            # Files killed runs left open: their whole records are as good as any.
            for folder in {path.parent for path in opened}:
                mend(folder)
        except OSError as error:
            raise ArchiveUnusable(
                f"replay={source}: cannot mend its open files ({error})"
            ) from None
        left_open = [path for path in opened if path.exists()]  # held by a crawl: not mended
        site: str | None = getattr(crawler.spider, "base_url", None)
        paths = warc_files(source)
        if site is not None:
            paths = files_of_site(paths, site)
        if not paths and left_open:
            raise ArchiveUnusable(
                f"replay={source}: {', '.join(map(str, left_open))} is still being written by"
                " a crawl: replay it once that crawl has ended"
            )
        if not paths:
            of = "" if site is None else f" of {site}"
            raise ArchiveUnusable(f"replay={source}: no WARC files{of} there")
        if left_open:
            logger.warning("Not replaying %d files a crawl is writing now", len(left_open))
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
        return replayed(capture, request)

    def not_asked(self, kind: str) -> list[str]:
        """The pages the archive holds, of that kind, that the replay has not asked for."""
        return sorted(
            url
            for url, capture in self.captures.items()
            if capture.kind == kind and url not in self.asked
        )
