"""The spider's arguments (``-a name=value``), read and checked in one place, so that a bad
value stops the crawl before it starts with one line saying which and why."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from channel9.failures import StartupError
from channel9.site import SITE

KNOWN = ("base_url", "categories", "max_pages", "since", "full", "replay", "discover", "check")
SOURCES = ("listings", "feed", "sitemap")
"""The doors into the site that ``discover`` names."""
MEANING = "meaning"
"""The key of what a spider argument means in its field's metadata, which the reference of
the spider arguments shows."""
TRUE = ("1", "true", "yes")
FALSE = ("0", "false", "no")


class BadArgument(StartupError):
    """A spider argument that cannot be used as given."""


@dataclass(frozen=True)
class Arguments:
    """What a run was asked to do; ``docs/reference/arguments.md`` lists the arguments."""

    base_url: str = field(
        default=SITE,
        metadata={
            MEANING: "the site: every URL the spider builds comes from it, and only its host"
            " is crawled, so a mirror or a local copy is crawled the same way; no user name"
            " or password before the host"
        },
    )
    categories: tuple[str, ...] = field(
        default=(),
        metadata={
            MEANING: "comma-separated category slugs (`nasional,opini`): walk those listings"
            " and read their feeds only, and write only articles whose page names one of"
            " them; unset, every category of the site's menu"
        },
    )
    max_pages: int | None = field(
        default=None,
        metadata={
            MEANING: "at most this many listing pages per category walk in this run (the"
            " next run goes on from there); unset, no limit"
        },
    )
    since: date | None = field(
        default=None,
        metadata={
            MEANING: "`YYYY-MM-DD`: write no article published before that day; walks stop"
            " soon after one, and feed and sitemap entries dated before it are not fetched"
            " (later runs without `since` still write them)"
        },
    )
    full: bool = field(
        default=False,
        metadata={
            MEANING: "`1`: walk every listing again and re-emit the articles whose content changed"
        },
    )
    replay: str | None = field(
        default=None,
        metadata={
            MEANING: "a WARC file or a folder of them (searched recursively): the same crawl"
            " with every page taken from the archive instead of the site; only the files of"
            " the site replayed (`base_url`, or the one site the archive holds) are read"
        },
    )
    discover: tuple[str, ...] = field(
        default=SOURCES,
        metadata={
            MEANING: "the doors into the site to use, comma-separated: category listings"
            " (`listings`), RSS feeds (`feed`), sitemaps (`sitemap`)"
        },
    )
    check: bool = field(
        default=False,
        metadata={
            MEANING: "`1`: no crawl, a health check: fetch and read the home page, a listing"
            " page, the feed, the sitemap and an article, print one line per page (`ok` or"
            " why not), exit 0 when all are ok and 1 otherwise; nothing is written"
        },
    )
    passed_on: dict[str, Any] = field(default_factory=dict)
    """Arguments for Scrapy or a scheduler (Scrapyd's ``_job``), left to the base spider."""

    @property
    def uses_main_feed(self) -> bool:
        """Whether the run reads the site's feed: it names every category's articles, so
        a run narrowed to some categories reads their feeds alone."""
        return "feed" in self.discover and not self.categories

    @property
    def uses_sitemaps(self) -> bool:
        """Whether the run reads the sitemaps: they name every category's articles, and
        all of them, so a run narrowed to some categories or bounded by ``max_pages``
        reads none."""
        return "sitemap" in self.discover and not (self.categories or self.max_pages)

    @property
    def narrowed(self) -> bool:
        """Whether the run chose part of the site (some categories, a day on, some pages
        or doors): its articles are not the site's mix."""
        bounds = (self.categories, self.since, self.max_pages)
        return any(bounds) or set(self.discover) != set(SOURCES)

    @classmethod
    def parse(cls, given: dict[str, Any]) -> Arguments:
        """The arguments of ``-a name=value`` pairs; :class:`BadArgument` for a bad one."""
        given = dict(given)
        passed_on = {name: given.pop(name) for name in list(given) if name.startswith("_")}
        unknown = sorted(set(given) - {*KNOWN})
        if unknown:
            raise BadArgument(
                f"unknown argument {unknown[0]!r}: the spider takes {', '.join(KNOWN[:-1])}"
                f" and {KNOWN[-1]}"
            )
        check = _flag("check", given.get("check", "0"))
        if check:
            others = sorted(set(given) - {"check", "base_url"})
            if others:
                raise BadArgument(
                    f"check=1 reads one page of each door of the site and takes base_url"
                    f" alone, not {others[0]}"
                )
        return cls(
            base_url=_base_url(given.get("base_url", cls.base_url)),
            categories=_categories(given.get("categories")),
            max_pages=_max_pages(given.get("max_pages")),
            since=_since(given.get("since")),
            full=_flag("full", given.get("full", "0")),
            replay=_replay(given.get("replay")),
            discover=_discover(given.get("discover")),
            check=check,
            passed_on=passed_on,
        )


def _base_url(value: Any) -> str:
    text = str(value).strip().rstrip("/")
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (raises on a broken port)
    except ValueError:
        parts = None
    if "@" in (text if parts is None else parts.netloc):
        # Not echoed: the log, the archive and the run records would keep the password.
        raise BadArgument(
            "base_url gives a user name or password before its host (user:password@):"
            " give the site's address without them"
        )
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadArgument(f"base_url={value!r} is not an http(s) address of a site")
    if "?" in text or "#" in text:
        raise BadArgument(f"base_url={value!r}: give the site's address without ? or #")
    return text


def _categories(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    named = tuple(slug.strip() for slug in str(value).split(",") if slug.strip())
    if not named:
        # Taken for "all of the menu", a slip would crawl every category.
        raise BadArgument(f"categories={value!r}: name one or more category slugs, comma-separated")
    return named


# An argument given empty is refused, not taken as left out: `-a replay=$ARCHIVE` with the
# variable unset would crawl the live site, `-a max_pages=$N` the whole of it.


def _max_pages(value: Any) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number < 1:
        raise BadArgument(f"max_pages={value!r} is not a whole number of pages, 1 or more")
    return number


def _since(value: Any) -> date | None:
    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", str(value)):
            raise ValueError(value)  # fromisoformat takes 20240101 and 2024-W01-1 too
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadArgument(f"since={value!r} is not a day as YYYY-MM-DD") from None


def _replay(value: Any) -> str | None:
    if value is None:
        return None
    if not str(value).strip():
        raise BadArgument(f"replay={value!r}: name the archive's folder or one of its files")
    if not Path(str(value)).exists():
        raise BadArgument(f"replay={value!r}: no such file or folder")
    return str(value)


def _discover(value: Any) -> tuple[str, ...]:
    if value is None:
        return SOURCES
    named = tuple(dict.fromkeys(part.strip() for part in str(value).split(",") if part.strip()))
    unknown = [name for name in named if name not in SOURCES]
    if unknown or not named:
        raise BadArgument(f"discover={value!r}: name one or more of {', '.join(SOURCES)}")
    return named


def _flag(name: str, value: Any) -> bool:
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise BadArgument(f"{name}={value!r}: give 1 or 0")
