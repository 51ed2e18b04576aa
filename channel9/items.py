"""The dataset's record: one article, its field names part of the project's interface, and
how a line of a run file holds one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone


@dataclass
class Article:
    """One article of Channel9.id, as written to the JSON Lines output.

    ``warc_filename``, ``warc_record_offset`` and ``warc_record_length`` name the archive
    record the article was read from, as Common Crawl's indexes do (the gzip member's
    bytes in a file of the archive folder): null without an archive.
    """

    url: str
    title: str | None
    category: str | None = None
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    author: str | None = None
    published_date: str | None = None
    published_at: str | None = None
    published_raw: str | None = None
    published_source: str | None = None
    modified_at: str | None = None
    dateline: str | None = None
    text: str = ""
    editor: str | None = None
    image_url: str | None = None
    image_caption: str | None = None
    crawled_at: str = ""
    warc_filename: str | None = None
    warc_record_offset: int | None = None
    warc_record_length: int | None = None


def utc_now() -> str:
    return stamp(datetime.now(timezone.utc))


def stamp(moment: datetime) -> str:
    """A moment as ``crawled_at`` and the run report write it: UTC, to the second."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


ARRAY_BOUNDS = (b"[", b"]", b"][")
"""The lines that open and close a JSON array as Scrapy's ``json`` feed writes it
(``-O out.json``): an item a line after them, each but the last followed by a comma. A
second run's array appended by ``-o`` begins on the line that ends the first's."""


def item_of(line: bytes) -> bytes:
    """A run file's line without the comma that follows an item of a JSON array (no JSON
    Lines line ends in one)."""
    return line.rstrip().removesuffix(b",")
