"""``scrapy extract``: the project's page parser run on pages without crawling, the pages
of WARC files (the crawl's archive, Common Crawl's) or of URLs fetched once."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import signal
import sys
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone, tzinfo
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, NoReturn, TextIO, cast
from urllib.parse import urlsplit

import scrapy
from fastwarc.warc import ArchiveIterator, WarcRecord
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.http import Headers, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.httpobj import urlparse_cached

from channel9.archive.reader import (
    GZIP_MEMBER,
    GZIP_WBITS,
    WARC_VERSION,
    damage_at,
    readable_responses,
)
from channel9.archive.replay import left_open, target, warc_files
from channel9.archive.warc import OPEN, SUFFIX, Location
from channel9.commands import make_log_folder, say_errors_in_one_line
from channel9.crawl.middlewares import (
    UNREACHABLE,
    SizeGuardedCompressionMiddleware,
    StrictRobotsTxtMiddleware,
)
from channel9.crawl.network import DOWNLOADER_MIDDLEWARES, REPLACED
from channel9.crawl.responses import html_tree, is_html
from channel9.dataset.build import atomic
from channel9.defaults import DEFAULTS
from channel9.failures import reason_of
from channel9.items import Article, stamp
from channel9.meter import Meter, counted, say
from channel9.pages import parser
from channel9.reasons import Reason
from channel9.site import JAKARTA, zone_named

if TYPE_CHECKING:
    from types import FrameType

    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
"""How an absolute URI begins (RFC 3986), as the WARC standard requires a target to be."""
REQUIRED = ("url", "title")
"""The fields without which an article is no record (``RequiredFieldsPipeline``): a
page that gives one without them is refused as ``no_url`` or ``no_title``."""
UNDECODABLE = "undecodable"
"""The refusal of a page whose body its ``Content-Encoding`` does not decode."""
NO_DATE = "no_date"
"""The refusal of a record without a readable ``WARC-Date``: no ``crawled_at`` for it."""
Write = Callable[[bytes], object]
"""Writes a line of the output."""
INTERRUPTED = 130
"""The exit status of a run that SIGINT (Ctrl-C) or SIGTERM stopped: a shell's for SIGINT."""
SHUTDOWN = (signal.SIGINT, signal.SIGTERM)
"""The signals that stop a run, whose handlers a crawl replaces with Scrapy's."""


class Refusal(Exception):
    """A page that gives no article, and why: the word said on stderr and counted."""

    def __init__(self, reason: str) -> None:
        super().__init__(str(reason))
        self.reason = str(reason)


class Unreadable(Exception):
    """A source, or a WARC file of it, that could not be read, or not whole."""


class Kept(Exception):
    """The run failed without an article: the file ``-O`` names is left as it was, not
    replaced by an empty one."""


@dataclass(frozen=True)
class Page:
    """A page to extract an article from, as the crawl would have downloaded it, and when
    it was fetched (the record's ``WARC-Date`` for a page of a WARC file)."""

    response: Response
    fetched: datetime
    location: Location | None = None
    """Where the page's record lies in its WARC file; None for a page fetched now."""


def extracted(page: Page, zone: tzinfo) -> Article:
    """The page's article as a crawl writes it (see ``Channel9Spider.parse_article`` and
    ``RequiredFieldsPipeline``); :class:`Refusal` with the reason when it gives none.

    No category labels from the menu: the article of a page is the same whatever was
    read before it."""
    response = page.response
    if not is_html(response):
        raise Refusal(Reason.NOT_HTML)
    assert isinstance(response, TextResponse)  # is_html says so
    if parser.shows_fatal_error(response.text):  # as the crawl refuses it
        raise Refusal(Reason.ERROR_PAGE)
    try:
        document = html_tree(response)
    except parser.TooDeep:
        raise Refusal(Reason.TOO_DEEP) from None
    fetched = page.fetched.replace(microsecond=0)
    result = parser.parse_article(
        document, response.url, {}, fetched, zone, whole=parser.is_whole(response.text)
    )
    article = result.article
    if article is None:
        raise Refusal(parser.page_problem(document) or result.reason or Reason.NO_BODY)
    for name in REQUIRED:
        if not getattr(article, name):
            raise Refusal(f"no_{name}")
    article.crawled_at = stamp(fetched)
    if page.location is not None:
        article.warc_filename = page.location.filename
        article.warc_record_offset = page.location.offset
        article.warc_record_length = page.location.length
    return article


def json_line(article: Article) -> bytes:
    """The article as a line of the crawl's JSON Lines output (UTF-8, not \\u-escaped)."""
    return json.dumps(asdict(article), ensure_ascii=False).encode("utf-8") + b"\n"


def host_of(url: str) -> str:
    """A URL's host as sites are compared: lowercase, an IDN in its ASCII form
    (``xn--``, as a request sends it), without port, a leading ``www.`` or the trailing
    dot of a fully qualified name; empty when it has none (or its host is malformed, as
    in ``http://[bad/``)."""
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""
    with suppress(UnicodeError):  # no IDN (an empty or too long label): compared as it is
        host = host.encode("idna").decode("ascii")
    return host.removeprefix("www.")


def is_html_page(record: WarcRecord, site: str | None) -> bool:
    """Whether a response record holds an HTML page of the web answered 200 (at an
    http(s) URL), of the ``site`` (a host as :func:`host_of` gives it) when one is
    given."""
    url = target(record)
    return (
        record.is_http
        and url.lower().startswith(("http://", "https://"))
        and record.http_headers.status_code == 200
        and "html" in (record.http_content_type or "")
        and (site is None or host_of(url) == site)
    )


def target_problem(url: str) -> str | None:
    """What makes a response record's ``WARC-Target-URI`` malformed, if anything."""
    if not url:  # the WARC standard requires it of a response record
        return "malformed record: no WARC-Target-URI"
    if not SCHEME.match(url):
        return f"malformed record: its WARC-Target-URI is no absolute URI ({url[:100]})"
    return None


LEFT_OPEN = (
    "not read: an archive file a crawl is writing, or a killed one left (a crawl, or a"
    " replay of its folder, mends it; then extract it)"
)


def is_warc(path: Path) -> bool:
    """Whether the file begins with a WARC record, gzipped or not."""
    with path.open("rb") as file:
        start = file.read(1 << 12)
    if start.startswith(GZIP_MEMBER):
        try:
            start = zlib.decompressobj(wbits=GZIP_WBITS).decompress(start)
        except zlib.error:
            return False
    return start.startswith(WARC_VERSION)


def in_file_order(damaged: list[dict[str, object]]) -> list[dict[str, object]]:
    """The damage met, one per offset (the first told of there), in file order."""
    at: dict[int, dict[str, object]] = {}
    for damage in damaged:
        at.setdefault(cast("int", damage["offset"]), damage)
    return [at[offset] for offset in sorted(at)]


def page_of(path: Path, record: WarcRecord, name: str) -> Page:
    """The page a response record of the file holds, its body decoded as a download's is
    (chunks joined, gzip, deflate and Brotli undone), and where the record lies, in the
    file the items call ``name``.

    Read again from where the record begins, as a replay reads a capture: the records
    :func:`~channel9.archive.reader.readable_responses` gives keep their body as sent. A
    record its writer marks cut short (``WARC-Truncated``: Common Crawl cuts pages at a
    size) is refused as ``cut_short``: its page is not the whole article."""
    try:
        fetched = record.record_date
    except ValueError:
        fetched = None
    if fetched is None:
        raise Refusal(NO_DATE)
    if record.headers.get("WARC-Truncated"):  # cut at a length, a time, a disconnect
        raise Refusal(Reason.CUT_SHORT)
    with path.open("rb") as file:
        file.seek(record.stream_pos)
        again = next(iter(ArchiveIterator(file, auto_decode="all")), None)
        if again is None or again.record_id != record.record_id:
            raise Unreadable(
                "its records cannot be read one by one (gzipped as a whole file, not record"
                " by record?)"
            )
        try:
            body = again.reader.read()
        except OSError:
            raise Refusal(UNDECODABLE) from None
        headers = Headers(list(again.http_headers.items_bytes()))
    end = record_end(path, record.stream_pos)
    location = Location(name, record.stream_pos, end - record.stream_pos)
    for decoded in (b"Transfer-Encoding", b"Content-Encoding"):
        headers.pop(decoded, None)
    url = target(record)
    kind = responsetypes.from_args(headers=headers, url=url, body=body)
    return Page(kind(url=url, status=200, headers=headers, body=body), fetched, location)


def record_end(path: Path, offset: int) -> int:
    """Where the record at ``offset`` ends: where the next begins (the next gzip member, in
    a file gzipped record by record), or the file's end; as the crawl's items name their
    records. Read without decoding: a decoded body is not always left where it ends."""
    with path.open("rb") as file:
        file.seek(offset)
        records = iter(ArchiveIterator(file, parse_http=False))
        next(records)
        following = next(records, None)
        return following.stream_pos if following is not None else os.fstat(file.fileno()).st_size


class Extraction:
    """The articles of the sources, one source at a time: each page that gives none,
    each damaged stretch of a WARC file and each source that could not be read whole
    said in a line on ``err``; all counted for the summary."""

    def __init__(
        self,
        err: TextIO,
        site: str | None,
        fetched: Mapping[str, Page | str],
        zone: tzinfo = JAKARTA,
    ) -> None:
        self.zone = zone
        """The site's time zone (``CHANNEL9_TIMEZONE``), in which days are told."""
        self.err = err
        self.site = site
        """Only the WARC records of this host (as :func:`host_of` gives it), when given."""
        self.fetched = fetched
        """The page of each URL source, or why it could not be fetched."""
        self.articles = 0
        self.refused: Counter[str] = Counter()
        self.skipped = 0
        """Response records that are no HTML page answered 200 (of the site)."""
        self.sources = 0
        self.failed = 0
        """Sources not read whole."""
        self.interrupted = False
        """Whether a signal stopped the run before every source was read."""
        self.kept: Path | None = None
        """The file ``-O`` names, when the run failed without an article and left it as
        it was."""

    def articles_of(self, source: Path | str) -> Iterator[Article]:
        """The articles of a WARC file, of the WARC files under a folder, or of a URL."""
        self.sources += 1
        try:
            if isinstance(source, Path):
                whole = yield from self._folder_or_file(source)
            else:
                whole = yield from self._url(source)
        except Unreadable as error:
            self._say(f"error: {source}: {error}")
            whole = False
        self.failed += not whole

    def _url(self, url: str) -> Generator[Article, None, bool]:
        fetched = self.fetched.get(url)
        if fetched is None:  # the crawl did not start: its log says why
            raise Unreadable("not fetched (see why with -s LOG_ENABLED=1)")
        if isinstance(fetched, str):
            raise Unreadable(fetched)
        yield from self._page(fetched.response.url, lambda: fetched)
        return True

    def _folder_or_file(self, source: Path) -> Generator[Article, None, bool]:
        if not source.exists():
            raise Unreadable("no such file or folder")
        if not (source.is_dir() or source.is_file()):
            raise Unreadable("not a file or folder")
        if source.name.endswith(OPEN):
            raise Unreadable(LEFT_OPEN)
        opened = left_open(source)
        for path in opened:
            self._say(f"error: {path}: {LEFT_OPEN}")
        paths = warc_files(source)
        if not paths and not opened:
            raise Unreadable("no WARC files (*.warc, *.warc.gz) in this folder")
        whole = not opened
        for path in paths:
            # Named as the crawl's items name their files: from the folder given.
            name = path.relative_to(source).as_posix() if source.is_dir() else path.name
            try:
                read = yield from self._warc(path, name)
            except Unreadable as error:
                self._say(f"error: {path}: {error}")
                read = False
            whole = whole and read
        return whole

    def _warc(self, path: Path, name: str) -> Generator[Article, None, bool]:
        """The articles of a WARC file, which the items name ``name``; whether it was
        read whole."""
        damaged: list[dict[str, object]] = []
        try:
            if not is_warc(path):
                raise Unreadable("not a WARC file")
            # Two passes, each on the bar: the check for damage, then the records.
            reading = f"Reading {path}"
            with Meter(f"Checking {path}", path.stat().st_size, "B", self.err) as meter:
                for record in readable_responses(path, damaged, meter.reach):
                    if meter.what != reading:
                        meter.then(reading)
                    meter.reach(record.stream_pos)
                    url = target(record)
                    problem = target_problem(url)
                    if problem:
                        damaged.append(damage_at(path, record.stream_pos, problem))
                    elif is_html_page(record, self.site):
                        yield from self._page(url, partial(page_of, path, record, name))
                    else:
                        self.skipped += 1
        except OSError as error:
            raise Unreadable(f"cannot be read ({error})") from None
        finally:
            for damage in in_file_order(damaged):
                self._say(f"damaged: {damage['file']} at byte {damage['offset']}: {damage['why']}")
        return not damaged

    def _page(self, url: str, read: Callable[[], Page]) -> Iterator[Article]:
        """The article of the page ``read`` gives, if it has one.

        A page the parser fails on is refused as ``callback_error``, as the crawl counts a
        page whose callback raised, its traceback logged at debug level: one page of the
        web's must not end the run."""
        try:
            article = extracted(read(), self.zone)
        except Refusal as refusal:
            reason = refusal.reason
        except (Unreadable, OSError):  # the file's, not the page's: it is not read whole
            raise
        except Exception:
            logger.debug("The parser failed on %s", url, exc_info=True)
            reason = str(Reason.CALLBACK_ERROR)
        else:
            yield article
            self.articles += 1  # once written: the consumer asks for the next
            return
        self._say(f"refused: {reason} {url}")
        self.refused[reason] += 1  # once told: a signal may come between the two

    def _say(self, line: str) -> None:
        """Says the line in one write: a signal that stops the run does not cut it, to be
        followed by the summary on the same line (nor a progress bar)."""
        say(line, self.err)

    def summary(self) -> str:
        """One line: the articles and pages, the refusals by reason (most first), the
        responses skipped, the sources not read whole and whether the run was stopped."""
        seen = self.articles + self.refused.total()
        parts = [f"Extracted {counted(self.articles, 'article')} from {counted(seen, 'page')}"]
        if self.refused:
            ranked = sorted(self.refused.items(), key=lambda pair: (-pair[1], pair[0]))
            parts.append("refused: " + ", ".join(f"{reason} {count}" for reason, count in ranked))
        if self.skipped:
            parts.append(f"skipped {counted(self.skipped, 'other response')}")
        if self.failed:
            parts.append(f"{self.failed} of {counted(self.sources, 'source')} not read whole")
        if self.interrupted:
            parts.append("interrupted")
        if self.kept:
            parts.append(f"{self.kept} left as it was")
        return "; ".join(parts)


@dataclass
class Fetched:
    """What the fetch of the URL sources gave."""

    pages: dict[str, Page | str] = field(default_factory=dict)
    """The page of each URL, or why it could not be fetched (see :func:`unfetched`)."""
    finished: str | None = None
    """Why the crawl closed (``finished``, or ``shutdown`` when a signal stopped it);
    None while it has not, or when a second signal stopped it at once."""


class FetchRobotsTxtMiddleware(StrictRobotsTxtMiddleware):
    """robots.txt as the crawl reads it, keeping why a site's robots.txt could not be
    fetched: RFC 9309 then disallows the whole site, and the fetch tells such a page
    (``could not be reached``) from one that robots.txt disallows."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.unfetched: dict[str, str] = {}
        """By host and port (``netloc``): the reason its robots.txt could not be fetched."""

    def disallow(self, netloc: str, reason: str, why: str) -> RobotParser:
        self.unfetched[netloc] = reason
        return super().disallow(netloc, reason, why)


FETCH_SETTINGS: dict[str, Any] = {
    # No add-on: no crawl state, archive, report, pipelines or output for a fetch.
    "ADDONS": {},
    # robots.txt as the crawl reads it (RFC 9309) and its refusals named; a body that
    # unpacks past DOWNLOAD_MAXSIZE named too_large.
    "DOWNLOADER_MIDDLEWARES": {
        **dict.fromkeys(REPLACED.values()),
        FetchRobotsTxtMiddleware: DOWNLOADER_MIDDLEWARES[StrictRobotsTxtMiddleware],
        SizeGuardedCompressionMiddleware: DOWNLOADER_MIDDLEWARES[SizeGuardedCompressionMiddleware],
    },
    # Fetched once: an answer that failed is a source that could not be read.
    "RETRY_ENABLED": False,
}
"""The fetch's settings over the project's: Scrapy's downloader and robots.txt as a
crawl has them, nothing of the crawl's bookkeeping."""


def unfetched(reason: str, robots_txt: str | None = None) -> str:
    """Why a URL source could not be read, from the ``reason`` its fetch failed and, when
    robots.txt refused it, the one its site's robots.txt could not be fetched, if any."""
    cause = robots_txt or reason
    if cause in UNREACHABLE:
        return f"could not be reached ({cause})"
    if robots_txt:
        return f"robots.txt could not be fetched ({robots_txt}), so the site is disallowed"
    if reason == Reason.ROBOTS:
        return f"robots.txt disallows it ({reason})"
    return f"the fetch failed ({reason})"


class PageFetcher(scrapy.Spider):
    """Fetches each URL once, robots.txt obeyed; keeps the page or why it could not be
    fetched, by URL."""

    name = "extract"
    custom_settings = FETCH_SETTINGS

    def __init__(self, urls: list[str], outcome: Fetched, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls
        self.outcome = outcome

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.urls:
            yield scrapy.Request(
                url, callback=self.fetched, errback=self.failed, cb_kwargs={"source": url}
            )

    def fetched(self, response: Response, source: str) -> None:
        self.outcome.pages[source] = Page(response, datetime.now(timezone.utc))

    def failed(self, failure: Failure) -> None:
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]
        reason = reason_of(failure)
        robots_txt = None
        if reason == Reason.ROBOTS:
            robots = self.crawler.get_downloader_middleware(FetchRobotsTxtMiddleware)
            if robots is not None:
                robots_txt = robots.unfetched.get(urlparse_cached(request).netloc)
        self.outcome.pages[request.cb_kwargs["source"]] = unfetched(reason, robots_txt)

    def closed(self, reason: str) -> None:
        """Keeps why the crawl closed: ``shutdown`` when a signal stopped it."""
        self.outcome.finished = reason


def interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    """Stops the command as Ctrl-C does, wherever it is."""
    raise KeyboardInterrupt


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM stops the command as Ctrl-C does, by a KeyboardInterrupt, so that the
    output is left whole and the summary said; unless the command began with SIGTERM
    ignored or handled, which stays (as Python leaves SIGINT then)."""
    previous = signal.getsignal(signal.SIGTERM)
    if previous == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signal_handlers_kept() -> Iterator[None]:
    """The handlers of SIGINT and SIGTERM put back after the block as they were before it.

    A crawl installs Scrapy's, which stop it gracefully through the reactor, and leaves
    them: once the reactor has stopped, they would make the rest of the run deaf to
    Ctrl-C."""
    saved = {signum: signal.getsignal(signum) for signum in SHUTDOWN}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@contextmanager
def output(path: Path | None, overwrite: bool) -> Iterator[Write]:
    """How each line is written: to stdout, appended to ``path``, or (``overwrite``) to a
    file that replaces ``path`` once every line is in it."""
    if path is None:
        try:
            yield sys.stdout.buffer.write
            sys.stdout.buffer.flush()
        except OSError:
            # Nothing more can go there: Python's own flush at exit would fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise
    elif overwrite:
        with atomic(path) as unfinished, unfinished.open("wb", buffering=0) as file:
            yield lambda line: write_whole(file, line)
            os.fsync(file.fileno())
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab", buffering=0) as file:
            yield lambda line: write_whole(file, line)


def write_articles(
    extraction: Extraction, sources: list[Path | str], path: Path | None, overwrite: bool
) -> bool:
    """Writes the articles of the sources (see :func:`output`); whether the output could
    be written, said on stderr when it could not. A file to replace is kept when a
    source was not read whole and no article was extracted: the run failed, and an
    empty file would take the place of articles."""
    try:
        with output(path, overwrite) as write:
            for source in sources:
                for article in extraction.articles_of(source):
                    write(json_line(article))
            if overwrite and extraction.failed and not extraction.articles:
                raise Kept
    except Kept:
        extraction.kept = path
    except OSError as error:
        print(f"error: cannot write {path or 'stdout'}: {error}", file=sys.stderr)
        return False
    return True


def write_whole(file: BinaryIO, line: bytes) -> None:
    """Writes the line whole or not at all: a write the disk cuts short is cut off."""
    start = file.tell()
    view = memoryview(line)
    try:
        while view:
            view = view[file.write(view) or 0 :]
    except OSError:
        with suppress(OSError):  # a device cannot be cut; the error to tell is the write's
            file.truncate(start)
        raise


def source_of(argument: str) -> Path | str:
    """A SOURCE as given: an http(s) URL, or else a path."""
    if "://" not in argument:
        if not argument or argument.startswith("-"):
            raise UsageError(f"not a SOURCE, nor an option of this command: {argument!r}")
        path = Path(argument)
        # Found before anything is written, as scrapy dataset finds a missing run file.
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
        if not (path.is_dir() or path.is_file()):
            raise UsageError(f"not a file or folder: {path}")
        return path
    parts = urlsplit(argument)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UsageError(f"a SOURCE URL must be http(s)://HOST/...: {argument}")
    return argument


def read_from(path: Path, sources: list[Path | str]) -> Path | str | None:
    """The source that holds ``path`` as a file it reads, if one does: the output would
    replace or corrupt a WARC file (the file named, a folder's WARC files, an archive
    file a killed crawl left open). Compared as files, so that a link to one, symbolic or
    hard, is one; and by name inside a folder, for a file the output would create."""
    here = identity(path)
    target = path.resolve()
    for source in sources:
        if not isinstance(source, Path):
            continue
        files = [source] if source.is_file() else [*warc_files(source), *left_open(source)]
        if here is not None and here in set(map(identity, files)):
            return source
        inside = source.is_dir() and target.is_relative_to(source.resolve())
        if inside and target.name.lower().endswith((".warc", SUFFIX, SUFFIX + OPEN)):
            return source
    return None


def identity(path: Path) -> tuple[int, int] | None:
    """The file a path names, whatever links lead to it; None when there is none."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def output_path(append: str | None, overwrite: str | None) -> Path | None:
    """The file ``-o`` (``append``) or ``-O`` (``overwrite``) names, if one does.

    ``-O`` replaces a regular file only: renamed over a device (``/dev/null``), a fifo or
    a socket, the new file would take its place."""
    if append is not None and overwrite is not None:
        raise UsageError("give -o (append) or -O (overwrite), not both")
    named = append if append is not None else overwrite
    if named is None:
        return None
    if not named:  # Path("") is the current folder
        raise UsageError("-o and -O name a file, not ''")
    path = Path(named)
    if path.is_dir():
        raise UsageError(f"-o and -O name a file, not a folder: {path}")
    if overwrite is not None and path.exists() and not path.is_file():
        raise UsageError(f"-O replaces a regular file, not a device, fifo or socket: {path}")
    return path


def site_of(value: str) -> str:
    """The host ``--site`` names, from a URL or a bare host name."""
    host = host_of(value if "://" in value else f"http://{value}")
    if not host:
        raise UsageError(f"--site must name a site (https://channel9.id): {value!r}")
    return host


class Command(ScrapyCommand):
    """``scrapy extract SOURCE...``: see :meth:`long_desc`."""

    requires_project = True
    # The URL sources are fetched by a crawl of this process.
    requires_crawler_process = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "SOURCE... [-o FILE | -O FILE] [--site URL]"

    def short_desc(self) -> str:
        return "Parse the pages of WARC files or URLs into articles, without crawling"

    def long_desc(self) -> str:
        return (
            "Run the crawl's page parser on pages without crawling. A SOURCE is a WARC file"
            " (.warc, .warc.gz), a folder searched for them (its subfolders too), or an"
            " http(s) URL fetched once, robots.txt obeyed. Each HTML response of status 200"
            " is a page, read at its WARC-Target-URI; its article is written as a JSON line"
            " in the item schema (channel9/schema.json), crawled_at the record's WARC-Date"
            " or the fetch time: one line per capture, in the order of the files (a URL"
            " captured twice gives two; scrapy dataset keeps the latest). On stderr, one"
            " line each: a page that gives no article ('refused: REASON URL'), a damaged"
            " record or stretch of a WARC file (cut short, garbled, malformed: any part not"
            " read as whole records), skipped ('damaged: FILE at byte N: WHY'), a source"
            " that could not be read ('error: SOURCE: WHY'); the last line counts the"
            " articles, pages and refusals. Exit status 0 when every source was read whole;"
            " 1 when one was not (not a WARC file, a damaged record, a URL that could not"
            " be reached, that failed, or that robots.txt disallows, as it does a whole site"
            " whose robots.txt cannot be fetched (RFC 9309): the rest is still read and"
            " written, and -O replaces FILE with it, unless no article was extracted: FILE"
            " is then left as it was) or the output could not be written; 2 on bad usage (a"
            " SOURCE file or folder that is not there among it); 130"
            " when SIGINT (Ctrl-C) or SIGTERM stopped the run, whenever it came: the"
            " summary then ends with 'interrupted', and -O leaves FILE as it was. The"
            " articles go to stdout unless -o or -O names a file."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        say_errors_in_one_line(parser)
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="append the articles to FILE (JSON Lines)"
        )
        parser.add_argument(
            "-O",
            "--overwrite-output",
            metavar="FILE",
            help="replace FILE with the articles, once every one is written (left as it was"
            " when the run fails without one); a regular file (through a symbolic link,"
            " the file it names), not a device, fifo or socket (bad usage)",
        )
        parser.add_argument(
            "--site",
            metavar="URL",
            help="only the WARC records of this site's host (with or without www., its IDN in"
            " Unicode or punycode alike)",
        )

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Makes the log file's folder, and refuses a log sent to stdout where the articles
        go, before Scrapy sets its logging up."""
        super().process_options(args, opts)
        assert self.settings is not None
        make_log_folder(self.settings)
        to_stdout = opts.output is None and opts.overwrite_output is None
        if to_stdout and self.settings.getbool("LOG_STDOUT"):
            raise UsageError(
                "LOG_STDOUT would mix the log into the articles on stdout: give -o or -O"
            )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not args:
            raise UsageError("give a SOURCE: a WARC file, a folder of them or an http(s) URL")
        path = output_path(opts.output, opts.overwrite_output)
        sources = [source_of(argument) for argument in args]
        if path is not None and (read := read_from(path, sources)) is not None:
            raise UsageError(f"-o and -O would write into {path}, which it reads ({read})")
        site = site_of(opts.site) if opts.site is not None else None
        urls = [source for source in sources if isinstance(source, str)]
        fetched = Fetched()
        assert self.settings is not None
        name = self.settings.get("CHANNEL9_TIMEZONE") or DEFAULTS["CHANNEL9_TIMEZONE"]
        try:
            zone = zone_named(str(name))
        except ValueError as error:
            raise UsageError(f"CHANNEL9_TIMEZONE: {error}") from None
        extraction = Extraction(sys.stderr, site, fetched.pages, zone)
        written = True
        try:
            with sigterm_interrupts():
                if urls:
                    self.fetch(urls, fetched)
                written = write_articles(
                    extraction, sources, path, opts.overwrite_output is not None
                )
        except KeyboardInterrupt:
            extraction.interrupted = True
        print(extraction.summary(), file=sys.stderr)
        if extraction.interrupted:
            self.exitcode = INTERRUPTED
        else:
            self.exitcode = 0 if written and not extraction.failed else 1

    def fetch(self, urls: list[str], fetched: Fetched) -> None:
        """Each URL's page, or why its fetch failed, into ``fetched``: one crawl fetches
        them all. KeyboardInterrupt when a signal stopped the crawl (Scrapy's handlers
        stop it gracefully, or at once on a second signal: it returns either way)."""
        process = self.crawler_process
        assert process is not None
        process.crawl(PageFetcher, urls=list(dict.fromkeys(urls)), outcome=fetched)
        with signal_handlers_kept():
            process.start()
        if fetched.finished == "shutdown" or (
            fetched.finished is None and not process.bootstrap_failed
        ):
            raise KeyboardInterrupt
