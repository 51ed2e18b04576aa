"""The site the project crawls by default.

Apart from the spider's arguments (:mod:`channel9.crawl.arguments`), which bring the crawl's
failure vocabulary along, so that the dataset's card can name the site without them."""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SITE = "https://channel9.id"
"""Channel9.id's home page: the spider's ``base_url`` unless given."""

JAKARTA = timezone(timedelta(hours=7), "WIB")
"""Asia/Jakarta: UTC+7 all year, with no daylight saving since 1964."""


def zone_named(name: str) -> tzinfo:
    """The time zone of an IANA name ("Asia/Jakarta"); ValueError for one that names none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone") from None
