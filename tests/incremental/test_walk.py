"""The rules of a walk through a listing, page by page, without a crawl."""

from __future__ import annotations

from collections.abc import Sequence, Set

from channel9.incremental.walk import ListingWalk, Stop


def page(number: int, size: int = 10) -> list[str]:
    """The article links of listing page ``number`` of a listing ``size`` articles a page."""
    return [f"a{(number - 1) * size + i}" for i in range(size)]


def walk_through(
    walk: ListingWalk, pages: Sequence[list[str]], known: Set[str] = frozenset()
) -> tuple[int, Stop]:
    """Feeds ``pages`` to ``walk`` until it stops: how many pages it read, and why."""
    for number, links in enumerate(pages, 1):
        stop = walk.page(links, [url for url in links if url not in known], number < len(pages))
        if stop is not None:
            return number, stop
    raise AssertionError("the walk never stopped")


def test_a_walk_to_the_end_reads_every_page_of_known_articles() -> None:
    pages = [page(n) for n in range(1, 8)]
    known = {url for links in pages for url in links}
    assert walk_through(ListingWalk(to_end=True), pages, known) == (7, Stop.END)


def test_a_scheduled_walk_stops_after_the_overlap_once_past_the_anchors() -> None:
    pages = [page(n) for n in range(1, 8)]
    # Three new articles at the top; the last finished walk's page 1 is now a3..a12.
    known = {url for links in pages for url in links} - {"a0", "a1", "a2"}
    walk = ListingWalk(to_end=False, anchors=[f"a{i}" for i in range(3, 13)], overlap=1)
    # Page 1 brings new articles, 2 and 3 nothing new: stopped after one page of overlap.
    assert walk_through(walk, pages, known) == (3, Stop.NOTHING_NEW)
    assert walk.first_page == tuple(page(1))


def test_a_scheduled_walk_does_not_stop_before_most_anchors_are_seen() -> None:
    pages = [page(n) for n in range(1, 8)]
    known = {url for links in pages for url in links}
    # The anchors sit on pages 4 and 5 (articles were unpublished above, say): nothing
    # is new on pages 1 to 3, yet the walk goes on until it has seen half of them.
    walk = ListingWalk(to_end=False, anchors=[f"a{i}" for i in range(35, 45)], overlap=1)
    assert walk_through(walk, pages, known) == (4, Stop.NOTHING_NEW)


def test_one_promoted_anchor_does_not_stop_a_walk_early() -> None:
    pages = [page(n) for n in range(1, 8)]
    known = {url for links in pages for url in links}
    anchors = [f"a{i}" for i in range(40, 50)]
    # One anchor promoted to page 1: 9 of 10 are still unseen until page 5.
    pages[0] = ["a45", *pages[0][:9]]
    walk = ListingWalk(to_end=False, anchors=anchors, overlap=1)
    assert walk_through(walk, pages, known) == (5, Stop.NOTHING_NEW)


def test_endless_pagination_stops_after_the_repeated_pages() -> None:
    # Page N links page N+1 for ever, always with the same articles.
    endless = [page(1)] * 10_000
    walk = ListingWalk(to_end=True, repeated=3)
    assert walk_through(walk, endless) == (4, Stop.REPEATED)
    assert Stop.REPEATED.finished


def test_a_page_repeating_the_one_before_once_does_not_stop_a_walk() -> None:
    pages = [page(1), page(1), page(2), page(3)]
    assert walk_through(ListingWalk(to_end=True, repeated=2), pages) == (4, Stop.END)


def test_max_pages_bounds_a_walk_and_leaves_it_unfinished() -> None:
    pages = [page(n) for n in range(1, 8)]
    assert walk_through(ListingWalk(to_end=True, max_pages=2), pages) == (2, Stop.MAX_PAGES)
    assert not Stop.MAX_PAGES.finished


def test_the_last_page_ends_a_walk_before_max_pages_does() -> None:
    assert walk_through(ListingWalk(to_end=True, max_pages=2), [page(1)]) == (1, Stop.END)
