"""Where the project writes: everything under one folder, ``CHANNEL9_DATA_DIR``, so that
a server (Scrapyd) needs one absolute path, not one per file. The crawl (its add-on) and
the commands that read what crawls wrote find the same paths here."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

DATA_DIR = "data"
IN_DATA_DIR = {
    # Each run writes a new file (the run's start time names it), never appending to an
    # earlier one; -o/-O or FEEDS replace it.
    "CHANNEL9_OUTPUT": "%(name)s-%(run_id)s.jsonl",
    # The crawl state: what earlier runs exported, what is to fetch. Empty: no state.
    "CHANNEL9_STATE": "channel9-state.sqlite3",
    # Every response the crawl receives, kept as WARC files in this folder, so that the
    # dataset can be rebuilt from them (-a replay=) after a fix. Empty: no archive.
    "CHANNEL9_ARCHIVE": "archive",
}
"""Paths under ``CHANNEL9_DATA_DIR`` unless set on their own."""


def data_path(settings: BaseSettings, name: str) -> str:
    """A path setting as the crawl uses it: as set (empty: off), else under
    ``CHANNEL9_DATA_DIR``."""
    value = settings.get(name)
    if value is not None:
        return str(value)
    return str(data_dir(settings) / IN_DATA_DIR[name])


def data_dir(settings: BaseSettings) -> Path:
    """``CHANNEL9_DATA_DIR``, its default when unset or empty."""
    return Path(str(settings.get("CHANNEL9_DATA_DIR") or DATA_DIR))
