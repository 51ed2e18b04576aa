"""The archive's files: WARC records of each request and response, gzipped one by one,
written into files that rotate at a size and are named ``.open`` while a run writes them."""

from __future__ import annotations

import fcntl
import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlunparse

from fastwarc.warc import (
    WarcRecord,
    WarcRecordType,
)
from isal import isal_zlib
from scrapy.utils.httpobj import urlparse_cached
from twisted.web.http import RESPONSES

from channel9.archive.reader import GZIP_WBITS
from channel9.failures import StartupError

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Headers, Response

logger = logging.getLogger(__name__)

SUFFIX = ".warc.gz"
OPEN = ".open"
"""Added to a file's name while a run writes it (as Heritrix does): a file still so
named once no run holds it was cut short by a killed run, and the next run mends it."""
GZIP_LEVEL = 2
"""ISA-L's level 2 of 0-3: a page of a theme's weight (219 KB) compressed in 0.33 ms against
2.14 ms at zlib's level 3 (FastWARC's writer), into a record 9% larger; level 3 takes 1.45
ms for 1% less (``benchmarks/archive_compression.py``)."""
FETCHED_AT = "fetched_at"
"""Request meta: when the response was fetched (ISO 8601, UTC); the capture's WARC-Date
when it comes from the archive."""
ARCHIVED = "archived"
"""Request meta: whether the response is in the run's archive."""
RECORD = "warc_record"
"""Request meta: where the response's record lies (a :class:`Location`), when archived."""
KIND = "kind"
KIND_FIELD = "Channel9-Kind"
"""A WARC field of each response record: what the crawl asked the page for (``home``,
``listing``, ``article``), so that a replay finds every article the archive holds."""
SITE_FIELD = "Channel9-Base-URL"
"""A field of each archive file's ``warcinfo`` record: the site the crawl was of, its
``base_url``, so that a replay of the file needs none."""
SECRET_HEADERS = (b"Authorization", b"Proxy-Authorization", b"Cookie")


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


@dataclass(frozen=True)
class Location:
    """Where a record lies, as Common Crawl's indexes name it: a file of the archive
    folder (its name: the archive keeps its files in the folder itself, their names
    unique by run), and the offset and length of the gzip member that holds the record,
    which warcio and FastWARC read alone."""

    filename: str
    offset: int
    length: int


def _gzipped(*records: tuple[WarcRecord, bytes | None]) -> tuple[bytes, list[int]]:
    """The records, each its own gzip member (so that each can be read alone), with
    their block digests and the payload digests given; and each member's length.

    FastWARC writes each record, ISA-L compresses it (see :data:`GZIP_LEVEL`), for the same
    gzip format as FastWARC's own gzip writer."""
    members = []
    for record, payload_digest in records:
        plain = io.BytesIO()
        record.write(plain, checksum_data=True, payload_digest=payload_digest)
        members.append(isal_zlib.compress(plain.getbuffer(), GZIP_LEVEL, GZIP_WBITS))
    return b"".join(members), [len(member) for member in members]


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

    def write(self, request: Request, response: Response, fetched: datetime) -> Location:
        """Writes the response's record, then the request's; where the response's lies."""
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
        data, lengths = _gzipped((answer, digest), (question, None))
        location = Location(self._path.name, self.files[self._path], lengths[0])
        self._append(data)
        if self.files[self._path] >= self.max_bytes:
            self._finish()
        return location

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
        self._append(_gzipped((info, None))[0])

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
