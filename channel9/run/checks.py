"""The checks a run's verdict is made of: one small named check per thing a run must have
done, as spidermon's monitors are, each over the report and the run's stats, with its
threshold in a setting.

A check returns what it found wrong, in words the log, the report and ``scrapy runs``
print; an empty list when all is well. :data:`CHECKS` holds them in the order their
problems are told; any problem fails the run (exit status 1). :data:`WARNINGS` compare
the run with the runs before it (:class:`~channel9.run.baseline.Baseline`): what they find
is said, and fails nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from statistics import median
from typing import TYPE_CHECKING, Any

from channel9.crawl.guards import SITE_DOWN
from channel9.items import stamp
from channel9.reasons import ABSENT, Reason
from channel9.run.baseline import Responses, far_below, rose, unblocked

if TYPE_CHECKING:
    from channel9.run.report import RunReport

Check = Callable[["RunReport", str], list[str]]
"""A check: the run's report and its finish reason in, its problems out."""


def ended_early(report: RunReport, reason: str) -> list[str]:
    """A run that did not finish: the site looked down, or it was stopped."""
    if reason == SITE_DOWN:
        return [
            (
                "the site answered 5xx or failed to the last"
                f" {report.stats().get('channel9/site_down')}"
                " requests: it looks down (the next run takes up what is left)"
            )
        ]
    if reason != "finished":
        return [f"it ended early ({reason})"]
    return []


def home_page_unusable(report: RunReport, reason: str) -> list[str]:
    """A home page that could not be fetched or read: the crawl had nowhere to begin."""
    return list(report.home_failures)


def site_unreachable(report: RunReport, reason: str) -> list[str]:
    """A site that could not be reached at all, or whose robots.txt could not be read."""
    stats = report.stats()
    unreachable = sorted(
        key.rpartition("/")[2] for key in stats if key.startswith("channel9/site_unreachable/")
    )
    if unreachable:
        return [f"the site could not be reached ({', '.join(unreachable)})"]
    if stats.get("channel9/robots_unavailable"):
        return ["robots.txt could not be fetched, so the site counts as disallowed"]
    return []


def output_unwritten(report: RunReport, reason: str) -> list[str]:
    """An item that a feed could not write: an article lost unless the run fails."""
    unwritten = len(report.unwritten) + sum(
        value for key, value in report.stats().items() if key.startswith("feedexport/failed_count/")
    )
    if not unwritten:
        return []
    why = f" ({report.unwritten[0]})" if report.unwritten else ""
    return [f"the output could not be written{why}"]


def archive_unwritten(report: RunReport, reason: str) -> list[str]:
    """A response the archive could not keep."""
    archive = report.archive_middleware()
    if archive is None or archive.error is None:
        return []
    return [f"the archive could not be written ({archive.error})"]


def signal_errors(report: RunReport, reason: str) -> list[str]:
    """Errors Scrapy caught in signal handlers and only logged, but for those told above."""
    unexplained = [
        error
        for error in report.signal_errors.errors
        if not any(error is known for known in report.unwritten)
    ]
    if not unexplained:
        return []
    return [f"{len(unexplained)} errors in signal handlers (the first: {unexplained[0]!r})"]


def pages_not_archived(report: RunReport, reason: str) -> list[str]:
    """Pages a replay asked for that the archive does not hold."""
    missing = sum(entry["reason"] == Reason.NOT_ARCHIVED for entry in _counted(report))
    if not missing:
        return []
    return [f"{missing} pages were not in the archive: the rebuild lacks them"]


def doors_failed(report: RunReport, reason: str) -> list[str]:
    """The doors into the site this run could not read to their end: each fails it, and
    the next run takes it up. A feed or sitemap the site does not have is no failure."""
    failed: dict[str, str] = {}
    for entry in _counted(report):
        if entry["kind"] == "listing":
            failed.setdefault(
                entry.get("door", entry["url"]), f"{entry['reason']} at {entry['url']}"
            )
    for entry in report.unavailable:
        if entry["reason"] not in ABSENT:
            failed.setdefault(entry["door"] or entry["url"], entry["reason"])
    return [
        f"the door {door} could not be read to its end ({why}): the next run takes it up"
        for door, why in sorted(failed.items())
    ]


def too_many_failed(report: RunReport, reason: str) -> list[str]:
    """More pages failed than ``CHANNEL9_MAX_FAILED_SHARE`` of those tried."""
    stats = report.stats()
    counted = len(_counted(report))
    tried = (
        stats.get("channel9/fetched/article", 0)
        + stats.get("channel9/fetched/listing", 0)
        + counted
    )
    if tried and counted / tried > report.settings.getfloat("CHANNEL9_MAX_FAILED_SHARE"):
        return [f"{counted} of {tried} pages failed"]
    return []


def nothing_on_first_run(report: RunReport, reason: str) -> list[str]:
    """A first run that exported nothing: there is no earlier run to have taken it all."""
    if report.written == 0 and report.first_run:
        return ["nothing was exported on a first run"]
    return []


def not_articles(report: RunReport, reason: str) -> list[str]:
    """More article pages not recognised as articles than
    ``CHANNEL9_MAX_NOT_ARTICLE_SHARE``, earlier failures too: markup the parser cannot read
    fails every run until mended."""
    failed = sum(entry["reason"] == "not_article" for entry in report.failed.values())
    articles = report.stats().get("channel9/fetched/article", 0)
    if articles and failed / articles > report.settings.getfloat("CHANNEL9_MAX_NOT_ARTICLE_SHARE"):
        return [
            (
                f"{failed} of {articles} article pages linked from the listings were not"
                " recognised as articles: has the site's markup changed?"
            )
        ]
    return []


def fields_dropped(report: RunReport, reason: str) -> list[str]:
    """The fields filled far less often than in the last healthy run
    (:meth:`~channel9.run.report.RunReport.dropped_fields`); not for a run narrowed by its
    arguments, which is no measure of the site's fields."""
    if report.narrowed:
        return []
    before, filled, written = report.filled_before, report.filled, report.written
    return [
        (
            f"the site's selectors read the text of {before[name]:.0%} of the articles of"
            f" the last healthy run and of {filled[name]} of {written} now (the general"
            f" extractor read {report.field_sources['text']['extractor']}; they were"
            " exported): has the site's markup changed?"
            if name == KNOWN_MARKUP
            else f"{name} was filled for {before[name]:.0%} of the articles of the last healthy"
            f" run and for {filled[name]} of {written} now: has the site's markup changed?"
        )
        for name in report.dropped_fields()
    ]


def items_incomplete(report: RunReport, reason: str) -> list[str]:
    """Fewer items with a title, a date and text than ``CHANNEL9_MIN_COMPLETE_SHARE``,
    once the run has ``CHANNEL9_QUALITY_MIN_ITEMS``."""
    if not report.written or report.written < report.settings.getint("CHANNEL9_QUALITY_MIN_ITEMS"):
        return []
    share = report.complete / report.written
    if share < report.settings.getfloat("CHANNEL9_MIN_COMPLETE_SHARE"):
        return [
            (
                f"only {share:.0%} of items have a title, a date and text"
                " (has the page layout changed?)"
            )
        ]
    return []


def quiet_run(report: RunReport, reason: str) -> list[str]:
    """Far fewer articles published in the last ``CHANNEL9_QUIET_HOURS`` than the same
    hours of each of the last ``CHANNEL9_QUIET_WEEKS`` weeks brought (see
    :func:`~channel9.run.baseline.far_below`): the crawl stopped seeing what the site
    publishes, or the site stopped publishing. Not for a run narrowed by its arguments,
    whose articles are not the site's, nor before the state holds every week."""
    baseline, settings = report.baseline, report.settings
    weeks = settings.getint("CHANNEL9_QUIET_WEEKS")
    if baseline is None or report.narrowed or not weeks or len(baseline.usual) < weeks:
        return []
    seen = len(baseline.recent | report.recent)
    share = settings.getfloat("CHANNEL9_QUIET_SHARE")
    if not far_below(seen, baseline.usual, share, settings.getfloat("CHANNEL9_QUIET_LEAST")):
        return []
    return [
        (
            f"{seen} articles published in the {settings.getfloat('CHANNEL9_QUIET_HOURS'):g}"
            f" hours before this run are known, where the same hours of the last {weeks}"
            f" weeks brought {', '.join(map(str, baseline.usual))}: is the crawl still"
            " seeing what the site publishes?"
        )
    ]


def site_stale(report: RunReport, reason: str) -> list[str]:
    """The newest article known older than ``CHANNEL9_STALE_AFTER`` hours at the run's
    start though the site answers: it stopped publishing, or publishes where the crawl
    does not look."""
    hours = report.settings.getfloat("CHANNEL9_STALE_AFTER")
    before = report.baseline.newest if report.baseline else None
    known = [moment for moment in (before, report.newest) if moment is not None]
    answered = report.stats().get("downloader/response_status_count/200", 0) > 0
    if not hours or not known or not answered or report.home_failures:
        return []
    newest = max(known)
    age = datetime.fromisoformat(report.started_at) - newest
    if age <= timedelta(hours=hours):
        return []
    return [
        (
            f"the newest article known was published {age // timedelta(hours=1)} hours"
            f" before this run ({stamp(newest)}), though the site answers: has it"
            " stopped publishing, or moved its articles where the crawl does not look?"
        )
    ]


def blocking_rose(report: RunReport, reason: str) -> list[str]:
    """At least ``CHANNEL9_BLOCKED_SHARE`` of the responses 403 or 429, and more than
    twice the usual of the last runs (see :func:`~channel9.run.baseline.rose`): the site
    may be blocking the crawler."""
    responses = Responses.from_stats(report.stats())
    before = report.baseline.blocked_shares if report.baseline else ()
    minimum = report.settings.getfloat("CHANNEL9_BLOCKED_SHARE")
    if not rose(responses.share, before, minimum):
        return []
    usual = unblocked(before, minimum)
    if usual:
        said = f"{median(usual):.0%} in the median of the last {len(usual)} runs under it"
    elif before:
        said = f"as in each of the last {len(before)} runs"
    else:
        said = "no run before to compare with"
    return [
        (
            f"{responses.blocked} of {responses.total} responses were 403 or 429"
            f" ({responses.share:.0%}; {said}): is the site blocking the crawler?"
        )
    ]


def _counted(report: RunReport) -> list[dict[str, Any]]:
    """This run's failed pages, but for those that had failed in an earlier run too."""
    return [entry for entry in report.failed.values() if not entry["earlier_failure"]]


KNOWN_MARKUP = "known_markup"
"""The field-fill measure of known markup: the share of articles whose text the site's
selectors read (its theme's or WordPress's markup), not the general extractor. A theme
turned standard WordPress keeps it; a page builder nobody knows drops it."""

CHECKS: tuple[Check, ...] = (
    ended_early,
    home_page_unusable,
    site_unreachable,
    output_unwritten,
    archive_unwritten,
    signal_errors,
    pages_not_archived,
    doors_failed,
    too_many_failed,
    nothing_on_first_run,
    not_articles,
    fields_dropped,
    items_incomplete,
)
"""Every check of the verdict, in the order their problems are told."""

WARNINGS: tuple[Check, ...] = (quiet_run, site_stale, blocking_rose)
"""The checks that compare the run with its history: what they find fails nothing."""
