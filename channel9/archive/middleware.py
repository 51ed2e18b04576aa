"""The downloader middleware that archives every response the crawl receives."""

from __future__ import annotations

import logging
import tempfile
from datetime import datetime, timedelta, timezone
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured

from channel9 import __version__
from channel9.archive.mend import mend
from channel9.archive.warc import (
    ARCHIVED,
    FETCHED_AT,
    RECORD,
    SITE_FIELD,
    ArchiveUnusable,
    WarcFiles,
)
from channel9.failures import stop_run

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from typing_extensions import Self

logger = logging.getLogger(__name__)


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
        request.meta.pop(RECORD, None)
        try:
            request.meta[RECORD] = self.files.write(request, response, fetched)
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
