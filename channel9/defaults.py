"""The project's own settings (``CHANNEL9_*``): their defaults, what they mean and the
values they may take, and the check that refuses a name the project does not know.

Apart from the add-on (:mod:`channel9.addon`), which gives them, so that a command that
only reads them (``scrapy dataset``) need not import the crawl's components."""

from __future__ import annotations

import math
from dataclasses import dataclass
from difflib import get_close_matches
from typing import TYPE_CHECKING

from channel9.failures import StartupError
from channel9.paths import DATA_DIR, IN_DATA_DIR
from channel9.site import zone_named

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


@dataclass(frozen=True)
class Setting:
    """A ``CHANNEL9_*`` setting's default and what it means, in one line: the reference
    of the settings shows it, so that it is said in one place."""

    default: str | int | float
    meaning: str


SETTINGS = {
    "CHANNEL9_DATA_DIR": Setting(
        DATA_DIR,
        "where everything the project writes goes: run files, run reports, the crawl state,"
        " the archive; relative to the folder the crawl starts in (give Scrapyd an absolute"
        " one)",
    ),
    "CHANNEL9_ARCHIVE_MAX_BYTES": Setting(
        1_000_000_000,
        "a new archive file once one has this many bytes (archive tools prefer ~1 GB files)",
    ),
    "CHANNEL9_OVERLAP_PAGES": Setting(
        1,
        "listing pages walked past the first that brings nothing new (listings are not"
        " always strictly newest first)",
    ),
    "CHANNEL9_GIVE_UP_AFTER_RUNS": Setting(
        3,
        "a page that failed for a reason that asking again will not mend (404, 410,"
        " off-site, not HTML, too large) is given up after failing in this many runs",
    ),
    "CHANNEL9_BACKOFF_BASE": Setting(
        0.5,
        "seconds of backoff after a 429 or 5xx without `Retry-After`: 0.5 s, 1 s, 2 s... by retry",
    ),
    "CHANNEL9_MAX_BACKOFF": Setting(
        60.0,
        "the longest backoff in seconds, which also caps what `Retry-After` may ask",
    ),
    "CHANNEL9_TIMEZONE": Setting(
        "Asia/Jakarta",
        "the site's time zone (an IANA name): the day of publication is told in it (unless a"
        " WordPress dated permalink and the page's stamp agree on another), and a date that"
        " names no zone is read in it; Channel9.id writes Jakarta time",
    ),
    "CHANNEL9_CONTENT_RETRIES": Setting(
        2,
        "tries again of a page served whole but without content (challenge, error page, cut body)",
    ),
    "CHANNEL9_MAX_FAILED_SHARE": Setting(
        0.1,
        "a run fails (exit status 1) when more than this share of its pages failed",
    ),
    "CHANNEL9_MIN_COMPLETE_SHARE": Setting(
        0.8,
        "a run fails when fewer than this share of its items have a title, a date and"
        " text, once it has `CHANNEL9_QUALITY_MIN_ITEMS` items (a changed layout shows"
        " this way)",
    ),
    "CHANNEL9_QUALITY_MIN_ITEMS": Setting(
        20,
        "the items a run (or the last healthy run) needs before the share of complete"
        " items or of a field's fill is judged",
    ),
    "CHANNEL9_MAX_NOT_ARTICLE_SHARE": Setting(
        0.2,
        "a run fails when more than this share of the pages linked as articles are not"
        " recognised as articles (they are failures, asked for again by the next run)",
    ),
    "CHANNEL9_FIELD_MOST": Setting(
        0.7,
        "a field that the last healthy run filled for at least this share of its articles"
        " is watched: markup changed under it when this run fills it for at most"
        " `CHANNEL9_FIELD_FEW`",
    ),
    "CHANNEL9_FIELD_FEW": Setting(
        0.3,
        "a watched field filled for at most this share of the run's articles fails the"
        " run, when chance would give so few less than `CHANNEL9_FIELD_DROP_CHANCE` of the"
        " time (those articles are fetched again by the next run)",
    ),
    "CHANNEL9_FIELD_DROP_CHANCE": Setting(
        0.001,
        "how unlikely by chance a field's drop must be to fail the run (0 of 5 after 85%: 0.008%)",
    ),
    "CHANNEL9_REPEATED_PAGES": Setting(
        3,
        "a listing walk stops when this many pages in a row bring only articles the walk"
        " already saw (endless pagination: page N+1 showing page N again)",
    ),
    "CHANNEL9_DOWN_AFTER": Setting(
        20,
        "the run stops, failed, after this many requests in a row failed: the site looks down",
    ),
    "CHANNEL9_QUIET_HOURS": Setting(
        12.0,
        "a run warns (without failing) when the articles published in this many hours"
        " before it are far fewer than in the same hours of the weeks before (see"
        " `CHANNEL9_QUIET_SHARE`)",
    ),
    "CHANNEL9_QUIET_WEEKS": Setting(
        4,
        "the weeks a run's `CHANNEL9_QUIET_HOURS` are compared with (their median); 0, no"
        " comparison",
    ),
    "CHANNEL9_QUIET_SHARE": Setting(
        0.1,
        "a run warns when it knows at most this share of what the same hours of the last"
        " weeks brought (their median)",
    ),
    "CHANNEL9_QUIET_LEAST": Setting(
        8.0,
        "the same hours must usually bring at least this many articles for a run to be"
        " judged (a quiet night is no sign)",
    ),
    "CHANNEL9_STALE_AFTER": Setting(
        48.0,
        "a run whose site answers warns when the newest article known is older than this"
        " many hours; 0, never",
    ),
    "CHANNEL9_BLOCKED_SHARE": Setting(
        0.05,
        "a run warns when at least this share of its responses are 403 or 429 and more"
        " than twice the median share of those of the last `CHANNEL9_BLOCKED_RUNS` runs"
        " that were under it",
    ),
    "CHANNEL9_BLOCKED_RUNS": Setting(
        10,
        "the runs a run's share of 403 and 429 responses is compared with",
    ),
    "CHANNEL9_METRICS_FILE": Setting(
        "",
        "a file (ending in .prom) the end of every run, failed ones too, replaces with the"
        " run's metrics for Prometheus (node_exporter's textfile collector); empty, none",
    ),
    "CHANNEL9_GC_THRESHOLD": Setting(
        10_000,
        "container objects made and not yet freed between two collections of the youngest"
        " generation of Python's garbage collector while the crawl runs (at Python's 700 the"
        " collector took a tenth of the CPU of a crawl of real-size pages); 0, Python's own",
    ),
    "CHANNEL9_PROGRESS_INTERVAL": Setting(
        60.0,
        "seconds between two lines of the crawl's progress (pages fetched, articles"
        " written, pages to fetch, failed, the time left once known), 1 or more; 0, none",
    ),
}
"""The settings the add-on gives a default, each with what it means."""
DEFAULTS = {name: setting.default for name, setting in SETTINGS.items()}
ELSEWHERE = {
    "CHANNEL9_OUTPUT": "the run's file when no `-o`/`-O` is given: each run writes a new"
    " one, never appending to an earlier one",
    "CHANNEL9_STATE": "the crawl state: what earlier runs exported, what is to fetch;"
    " empty, no state (every run full, nothing recorded)",
    "CHANNEL9_ARCHIVE": "the folder of the WARC files that keep every response, so that the"
    " dataset can be rebuilt from them (`-a replay=`); empty, no archive",
    "CHANNEL9_REPLAY": "set by the spider's `replay` argument, not by hand",
}
"""What the settings without a default here mean: the paths under ``CHANNEL9_DATA_DIR``
(:data:`channel9.paths.IN_DATA_DIR`) and the replay."""
KNOWN = frozenset({*DEFAULTS, *IN_DATA_DIR, "CHANNEL9_REPLAY"})
"""The project's settings (``CHANNEL9_REPLAY`` is the spider's ``replay`` argument): any
other ``CHANNEL9_*`` setting is a typo, refused rather than left unread."""


@dataclass(frozen=True)
class Range:
    """What a number setting may be: a finite number from ``low`` to ``high``, a whole one
    when ``whole``; ``said`` says which."""

    said: str
    low: float
    high: float = math.inf
    whole: bool = False
    off: bool = False
    """Whether 0 is taken too, below ``low``: what turns the setting's work off."""

    def holds(self, settings: BaseSettings, name: str) -> bool:
        """Whether the setting, read as its components read it, is in the range (a whole
        number is read with ``getint``, which takes neither ``2.0`` nor ``1e3``); an unset
        one holds, since its default does."""
        if settings.get(name) is None:
            return True
        read = settings.getint if self.whole else settings.getfloat
        try:
            number = read(name)
        except ValueError:
            return False
        if self.off and number == 0:
            return True
        return math.isfinite(number) and self.low <= number <= self.high


SHARE = Range("a share from 0 to 1", 0, 1)
COUNT = Range("a whole number, 0 or more", 0, whole=True)
AT_LEAST_ONE = Range("a whole number, 1 or more", 1, whole=True)
SECONDS = Range("a number of seconds, 0 or more", 0)
# A line a second is already more than a person reads; a shorter interval only floods the
# log (1e-9 s: thousands of lines a second).
INTERVAL = Range("0 (no lines) or a number of seconds, 1 or more", 1, off=True)
NUMBERS = {
    "CHANNEL9_ARCHIVE_MAX_BYTES": AT_LEAST_ONE,
    "CHANNEL9_OVERLAP_PAGES": COUNT,
    "CHANNEL9_GIVE_UP_AFTER_RUNS": COUNT,
    "CHANNEL9_BACKOFF_BASE": SECONDS,
    "CHANNEL9_MAX_BACKOFF": SECONDS,
    "CHANNEL9_CONTENT_RETRIES": COUNT,
    "CHANNEL9_MAX_FAILED_SHARE": SHARE,
    "CHANNEL9_MIN_COMPLETE_SHARE": SHARE,
    "CHANNEL9_QUALITY_MIN_ITEMS": COUNT,
    "CHANNEL9_MAX_NOT_ARTICLE_SHARE": SHARE,
    "CHANNEL9_FIELD_MOST": SHARE,
    "CHANNEL9_FIELD_FEW": SHARE,
    "CHANNEL9_FIELD_DROP_CHANCE": SHARE,
    "CHANNEL9_REPEATED_PAGES": AT_LEAST_ONE,
    "CHANNEL9_DOWN_AFTER": AT_LEAST_ONE,
    "CHANNEL9_PROGRESS_INTERVAL": INTERVAL,
    # Past a million the collector hardly runs, as if it were off.
    "CHANNEL9_GC_THRESHOLD": Range(
        "0 (Python's own) or a whole number from 1 to 1,000,000", 1, 1_000_000, whole=True, off=True
    ),
    "CHANNEL9_QUIET_HOURS": Range("a number of hours, from 1 to 8760 (a year)", 1, 8760),
    "CHANNEL9_QUIET_WEEKS": Range("a whole number of weeks, from 0 to 520", 0, 520, whole=True),
    "CHANNEL9_QUIET_SHARE": SHARE,
    "CHANNEL9_QUIET_LEAST": Range("a number, 1 or more", 1),
    "CHANNEL9_STALE_AFTER": Range(
        "0 (never) or a number of hours, from 1 to 87600 (ten years)", 1, 87600, off=True
    ),
    "CHANNEL9_BLOCKED_SHARE": SHARE,
    "CHANNEL9_BLOCKED_RUNS": Range("a whole number of runs, from 0 to 1000", 0, 1000, whole=True),
}
"""The range of every number among the ``DEFAULTS``: a negative count, a share past 1 or
NaN would not fail, only make the run do something else than asked."""


class BadSetting(StartupError):
    """A ``CHANNEL9_*`` setting that cannot be used as given."""


def check_names(settings: BaseSettings) -> None:
    """Refuses a ``CHANNEL9_*`` setting the project does not know, in any case: a typo
    (``CHANNEL9_DATA_DIRR``) would leave the setting meant at its default, unsaid."""
    prefix = "CHANNEL9_"
    for name in sorted(settings):
        if name.upper().startswith(prefix) and name not in KNOWN:
            # Compared without the prefix, which every name shares.
            tails = [known.removeprefix(prefix) for known in sorted(KNOWN)]
            close = get_close_matches(name.upper().removeprefix(prefix), tails, n=1)
            hint = (
                f"did you mean {prefix}{close[0]}?"
                if close
                else "not one of the project's settings (see channel9/defaults.py and"
                " channel9/paths.py)"
            )
            raise BadSetting(f"unknown setting {name}: {hint}")


def check_settings(settings: BaseSettings) -> None:
    """Refuses a ``CHANNEL9_*`` setting the project does not know (:func:`check_names`), a
    number out of its range (:data:`NUMBERS`) and a time zone that names none.

    One check for every way a crawl starts: the crawl command's, before Scrapy's banner,
    so that a bad ``-s`` is said in one line; the add-on's, for a crawl the command did
    not start (a Scrapyd job, a test's ``get_crawler``). A setting left unset has its
    default, which holds."""
    check_names(settings)
    for name, allowed in NUMBERS.items():
        given = settings[name]
        try:
            settings.getfloat(name)
        except ValueError:
            raise BadSetting(f"{name}={given!r} is not a number") from None
        if not allowed.holds(settings, name):
            raise BadSetting(f"{name}={given!r} is not {allowed.said}")
    zone = settings.get("CHANNEL9_TIMEZONE", DEFAULTS["CHANNEL9_TIMEZONE"])
    try:
        zone_named(zone)
    except ValueError:
        raise BadSetting(
            f"CHANNEL9_TIMEZONE={zone!r} is not a time zone (an IANA name, such as Asia/Jakarta)"
        ) from None
