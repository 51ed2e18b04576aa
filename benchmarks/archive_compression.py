"""Benchmark: compressing and checking the archive's gzip members, on a page of a real theme's
weight.

Run: ``.venv/bin/python benchmarks/archive_compression.py``. One article page of the fake
site served with a theme's weight (``FakeSite.heavy``, about 220 KB) is compressed as a gzip
member by zlib (through FastWARC's gzip writer, as the archive did) and by ISA-L at each of
their levels, and zlib-ng's where it is installed (``pip install zlib-ng``); then unpacked
by zlib and by ISA-L; then a request and response pair is written by the archive
(:class:`channel9.archive.warc.WarcFiles`, digests included). CPU milliseconds per page, best
of five runs of 100, and the member's size.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from fastwarc.stream_io import GzipWriter
from isal import isal_zlib
from scrapy import Request
from scrapy.http import HtmlResponse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channel9.archive.warc import GZIP_LEVEL, WarcFiles  # noqa: E402
from channel9.demo.site import FakeSite  # noqa: E402

BASE = b"http://127.0.0.1:8080"


def cpu_ms(work: Callable[[], object], runs: int = 100) -> float:
    """The CPU time of one call of ``work``, in milliseconds: the best of five batches."""
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for _ in range(runs):
            work()
        best = min(best, (time.process_time() - start) / runs)
    return best * 1000


def fastwarc_gzip(page: bytes, level: int) -> bytes:
    buffer = io.BytesIO()
    writer = GzipWriter(buffer, compression_level=level)
    writer.write(page)
    writer.finish()
    return buffer.getvalue()


def main() -> None:
    site = FakeSite(count=40, seed=11)
    site.heavy = True
    page = site.page(f"/{site.order[5]}/").body.replace(b"BASE", BASE)
    print(f"one article page of a theme's weight: {len(page):,} bytes")
    print(f"{'compressed by':<28} {'ms':>6} {'bytes':>8}")
    compressors: dict[str, Callable[[], bytes]] = {
        f"zlib {level} (FastWARC)": partial(fastwarc_gzip, page, level) for level in (1, 3, 6, 9)
    }
    for level in range(4):
        compressors[f"ISA-L {level}"] = partial(isal_zlib.compress, page, level, 31)
    try:
        from zlib_ng import zlib_ng  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        print("(zlib-ng not installed: pip install zlib-ng to compare it)")
    else:
        for level in (1, 2, 3):
            compressors[f"zlib-ng {level}"] = partial(zlib_ng.compress, page, level, 31)
    for name, compress in compressors.items():
        print(f"{name:<28} {cpu_ms(compress):>6.2f} {len(compress()):>8,}")
    member = isal_zlib.compress(page, GZIP_LEVEL, 31)
    print(f"{'unpacked by':<28} {'ms':>6}")
    unpackers: dict[str, Callable[[bytes], bytes]] = {
        "zlib": partial(zlib.decompress, wbits=31),
        "ISA-L": partial(isal_zlib.decompress, wbits=31),
    }
    for name, unpack in unpackers.items():
        print(f"{name:<28} {cpu_ms(partial(unpack, member)):>6.2f}")
    request = Request(f"{BASE.decode()}/{site.order[5]}/")
    response = HtmlResponse(request.url, body=page, request=request)
    with tempfile.TemporaryDirectory() as folder:
        files = WarcFiles(Path(folder), "run", 10**10, {})
        moment = datetime.now(timezone.utc)
        written = cpu_ms(lambda: files.write(request, response, moment))
        files.close()
    print(f"a request and response pair written by the archive: {written:.2f} ms")


if __name__ == "__main__":
    main()
