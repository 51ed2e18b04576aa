"""Benchmark: warcio against FastWARC for what the archive does, on this machine.

Run: ``.venv/bin/python benchmarks/warc_libraries.py [--pages 2000]``. Writes each page as a
request and a response record, gzip per record, into a file, then reads every record of
that file back with its payload, with each library; for a small page (a fixture of the
tests) and for a page of the size of a WordPress article page with its theme's markup.
Prints CPU milliseconds per page for writing and for reading, and the file's bytes per page.
"""

from __future__ import annotations

import argparse
import io
import random
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from fastwarc.stream_io import GzipWriter
from fastwarc.warc import ArchiveIterator as FastIterator
from fastwarc.warc import WarcRecord, WarcRecordType
from warcio.archiveiterator import ArchiveIterator as WarcioIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parent.parent
REQUEST = b"GET /a/ HTTP/1.1\r\nHost: channel9.id\r\nUser-Agent: channel9\r\n\r\n"
HEADERS = [("Content-Type", "text/html; charset=UTF-8"), ("Server", "nginx")]


def big_page(small: bytes, size: int = 100_000) -> bytes:
    """A page the size of a real theme's article page: the article and scripts, styles
    and menus that differ a little from page to page, as a theme's do."""
    rng = random.Random(1)
    parts = [small]
    while sum(map(len, parts)) < size:
        words = " ".join(f"zox-{rng.randrange(10_000)}" for _ in range(40))
        parts.append(f'<script id="s{rng.random()}">var c = "{words}";</script>\n'.encode())
    return b"".join(parts)


def write_warcio(pages: list[bytes]) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="1.1")
    for number, body in enumerate(pages):
        url = f"https://channel9.id/{number}/"
        http = StatusAndHeaders("200 OK", [*HEADERS, ("Content-Length", str(len(body)))],
                                protocol="HTTP/1.1")  # fmt: skip
        response = writer.create_warc_record(
            url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http
        )
        request = writer.create_warc_record(
            url, "request", payload=io.BytesIO(REQUEST), length=len(REQUEST)
        )
        writer.write_request_response_pair(request, response)
    return out.getvalue()


def write_fastwarc(pages: list[bytes]) -> bytes:
    out = io.BytesIO()
    writer = GzipWriter(out, compression_level=9)
    for number, body in enumerate(pages):
        url = f"https://channel9.id/{number}/"
        head = "".join(f"{k}: {v}\r\n" for k, v in HEADERS)
        http = f"HTTP/1.1 200 OK\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode()
        for kind, block in (
            (WarcRecordType.response, http + body),
            (WarcRecordType.request, REQUEST),
        ):
            record = WarcRecord()
            record.init_headers(kind)
            record.headers.append("WARC-Target-URI", url)
            record.set_bytes_content(block)
            record.is_http = True
            record.write(writer, checksum_data=True)
            writer.finish()
    return out.getvalue()


def read_warcio(data: bytes) -> int:
    total = 0
    for record in WarcioIterator(io.BytesIO(data)):
        total += len(record.content_stream().read())
    return total


def read_fastwarc(data: bytes) -> int:
    total = 0
    for record in FastIterator(io.BytesIO(data)):
        total += len(record.reader.read())
    return total


def cpu_ms(job: Callable[[], object], pages: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        job()
        best = min(best, time.process_time() - start)
    return best / pages * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    count = parser.parse_args().pages
    small = (ROOT / "tests" / "fixtures" / "seed_article.html").read_bytes()
    for name, page in (("small page", small), ("theme-size page", big_page(small))):
        pages = [page.replace(b"</body>", f"<!-- {n} --></body>".encode()) for n in range(count)]
        print(f"{name}, {len(page):,} bytes, {count} pages:")
        print(f"{'':<10} {'write ms/page':>14} {'read ms/page':>13} {'bytes/page':>11}")
        for library, write, read in (
            ("warcio", write_warcio, read_warcio),
            ("FastWARC", write_fastwarc, read_fastwarc),
        ):
            data = write(pages)
            assert read_warcio(data) == read_fastwarc(data)  # each reads the other's too
            writing = cpu_ms(partial(write, pages), count)
            reading = cpu_ms(partial(read, data), count)
            print(f"{library:<10} {writing:>14.3f} {reading:>13.3f} {len(data) / count:>11,.0f}")


if __name__ == "__main__":
    main()
