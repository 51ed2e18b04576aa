"""The rules of one walk through a category's listing pages: a page in, go on or stop out.

Pure: no Scrapy, no crawl state. The incremental middleware feeds each listing page to a
:class:`ListingWalk` and follows the next page only when it says so; the rules are
unit-tested without a crawl.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import Enum


class Stop(str, Enum):
    """Why a walk stopped, as the run report names it."""

    END = "end"
    """The listing's last page: the walk read the listing to its end."""
    NOTHING_NEW = "nothing_new"
    """A scheduled walk met the articles of the last finished walk again."""
    REPEATED = "repeated"
    """Pages kept bringing only articles this walk already saw (endless pagination)."""
    MAX_PAGES = "max_pages"
    """The bound the user chose: the rest of the listing is left to later runs."""

    def __str__(self) -> str:
        return self.value

    @property
    def finished(self) -> bool:
        """Whether the walk saw every article newer than where it stopped: only such a
        walk moves the anchors or reads a listing to its end."""
        return self is not Stop.MAX_PAGES


@dataclass
class ListingWalk:
    """One walk through a category's listing in this run.

    A walk ``to_end`` goes on to the listing's last page (a listing never read to its end,
    or taken up where an earlier run stopped). Any other walk (a category read to its end
    before) stops once a page brings nothing new, after ``overlap`` more pages, and only
    once it has seen most of the ``anchors`` (page 1 of the last finished walk): one old
    article promoted to the top must not stop a walk early. Every walk stops after
    ``repeated`` pages in a row that bring only articles it already saw, and after
    ``max_pages`` pages when the user bounded the run.
    """

    to_end: bool
    anchors: Collection[str] = ()
    overlap: int = 1
    repeated: int = 3
    max_pages: int | None = None
    pages: int = 0
    began_at: int = 1
    """The listing page the walk began with (a walk taken up begins further on)."""
    quiet: int = 0
    """Pages in a row that brought nothing new."""
    repeats: int = 0
    """Pages in a row that brought only articles this walk saw already."""
    seen: set[str] = field(default_factory=set)
    first_page: tuple[str, ...] = ()
    """The articles of the walk's first page: the anchors of the next walks, once it
    finishes."""
    unseen_anchors: set[str] = field(init=False)

    def __post_init__(self) -> None:
        self.unseen_anchors = set(self.anchors)
        self.anchors_needed = len(self.unseen_anchors) // 2
        """How many anchors may stay unseen when a walk stops for nothing new."""

    def page(self, links: Sequence[str], new: Collection[str], has_next: bool) -> Stop | None:
        """Takes one listing page (its article ``links``, the ``new`` ones among them,
        whether it links a next page); returns why the walk stops here, or None to go on."""
        if not self.pages:
            self.first_page = tuple(links)
        self.pages += 1
        self.repeats = self.repeats + 1 if self.seen.issuperset(links) else 0
        self.seen.update(links)
        self.unseen_anchors.difference_update(links)
        self.quiet = 0 if new else self.quiet + 1
        if self.repeats >= self.repeated:
            return Stop.REPEATED
        if (
            not self.to_end
            and self.quiet > self.overlap
            and len(self.unseen_anchors) <= self.anchors_needed
        ):
            return Stop.NOTHING_NEW
        if self.max_pages and self.pages >= self.max_pages:
            return Stop.MAX_PAGES
        if not has_next:
            return Stop.END
        return None
