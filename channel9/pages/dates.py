"""Reading the dates of Indonesian news pages.

Regular expressions and ``datetime`` read the forms news pages actually use, fast and
without guessing; dateparser, loaded once, reads what is left, and only text that names a
month gets that far, so numbers, prices and initials never turn into dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from typing import Any

from channel9.site import JAKARTA

ZONES = {
    "wib": JAKARTA,
    "wita": timezone(timedelta(hours=8), "WITA"),
    "wit": timezone(timedelta(hours=9), "WIT"),
    "utc": timezone.utc,
    "gmt": timezone.utc,
    "z": timezone.utc,
}

MONTHS = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "pebruari", "february", "feb", "peb"), 2),
    **dict.fromkeys(("maret", "march", "mar", "mrt"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agu", "agt", "ags", "agst", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec"), 12),
}

WEEKDAYS = {
    **dict.fromkeys(("senin", "monday", "mon"), 0),
    **dict.fromkeys(("selasa", "tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("rabu", "wednesday", "wed"), 2),
    **dict.fromkeys(("kamis", "thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("jumat", "jum'at", "friday", "fri"), 4),
    **dict.fromkeys(("sabtu", "saturday", "sat"), 5),
    **dict.fromkeys(("minggu", "ahad", "sunday", "sun"), 6),
}


def _alternation(words: Any) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_MONTH = rf"(?:{_alternation(MONTHS)})"
_WEEKDAY = rf"(?:{_alternation(WEEKDAYS)})"
_SEP = r"[\s,|/–—•·-]*"


_CLOCK = r"pukul|pkl|pk|jam|at|@"
"""The words before an hour ("pukul 10")."""
_END = r"(?:[01]?\d|2[0-3])[:.][0-5]\d"
"""The end of a range of times."""


def _time(minutes: str) -> str:
    """A time of day; ``minutes`` is "?" where "pukul 10" may stand without them.

    The end of a range ("10:00-12:00 WIB") is passed over, not read as an offset; words
    are whole ("wit" is no zone in "with", "am" no morning in "amid")."""
    return (
        rf"(?:(?P<clock>{_CLOCK})\.?\s*)?"
        r"(?P<hour>[01]?\d|2[0-3])"
        rf"(?:[:.](?P<minute>[0-5]\d)(?:[:.](?P<second>[0-5]\d)(?:\.\d+)?)?){minutes}"
        r"(?:\s*(?P<ampm>am|pm)\b)?"
        r"(?:\s*(?P<part>pagi|siang|sore|malam)\b)?"
        # A range's end, where the time has no seconds (a stamp's offset follows them): before
        # a zone's name, or with the dash unspaced or spaced on both sides ("10:00-12:00",
        # "10.00 - 12.00"; an offset follows one space).
        rf"(?(second)|(?:\s*[-–—]\s*{_END}(?=\s*(?:wita|wib|wit)\b)"
        rf"|(?:[-–—]|\s+[-–—]\s+){_END}(?![\d:.]))?)"
        r"(?:\s*(?P<zone>(?:utc|gmt)\s*[+-]\d{1,2}(?::?\d{2})?(?!\d)"
        # An offset the world's clocks use: from -11:00 to +14:00 ("14:30 -15:00" is a range).
        r"|(?:wita|wib|wit|utc|gmt|z)\b|(?:\+(?:0\d|1[0-4])|-(?:0\d|1[01])):?[0-5]\d(?!\d)))?"
    )


# The day and the year stand alone: not the end of another number or word ("G20 November
# 2022", "Covid-19 Maret 2020", "3,25 Mei"), nor a year run on into more digits.
_DAY_MONTH_YEAR = (
    r"(?<![\w-])(?<!\d[.,])"
    rf"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?[\s.-]*(?P<month>{_MONTH})\b\.?[\s,.-]*"
    r"(?P<year>\d{4})(?!\d)"
)
_MONTH_DAY_YEAR = (
    rf"\b(?P<month2>{_MONTH})\b\.?\s*(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*,\s*|\s+)"
    r"(?P<year2>\d{4})(?!\d)"
)
# Two digits of a year only between slashes or dashes: dotted, they are a version or a
# time ("3.12.10", "14.05.00").
_NUMERIC = (
    r"(?P<nday>\d{1,2})(?P<nsep>[/.-])(?P<nmonth>\d{1,2})(?P=nsep)"
    r"(?P<nyear>\d{4}|(?<!\.)\d{2})"
)
# A numeric date is none where it is part of a longer run of numbers ("2025-12-05-10").
_DATE = (
    rf"(?:{_DAY_MONTH_YEAR}|{_MONTH_DAY_YEAR}"
    rf"|(?<![\d.,])(?<!\d[/.-]){_NUMERIC}(?![\d.,]\d)(?![/-]\d))"
)

_ISO = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[t ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?P<offset>z|[+-]\d{2}:?\d{2})?)?"
)
_TIME_FIRST = re.compile(
    rf"(?<![\d.,]){_time('')}{_SEP}(?:(?P<weekday>{_WEEKDAY})\b\.?{_SEP})?{_DATE}"
)
_DATE_FIRST = re.compile(
    rf"(?:(?P<weekday>{_WEEKDAY})\b\.?{_SEP})?{_DATE}(?:\)?{_SEP}{_time('?')})?(?!\d)"
)
_BRACKETED = re.compile(
    rf"(?P<weekday>{_WEEKDAY})\s*,?\s*\(\s*(?P<day>\d{{1,2}})\s*/\s*(?P<month>\d{{1,2}})"
    r"(?:\s*/\s*(?P<year>\d{4}|\d{2}))?\s*\)"
)
_RELATIVE = re.compile(
    r"(?:^|\s)(?P<count>\d+|se|satu|a|an|one)\s*"
    r"(?P<unit>detik|menit|jam|hari|minggu|pekan|bulan|tahun|"
    r"sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|days?|weeks?|months?|years?)\s*"
    r"(?:yang\s+)?(?:lalu|ago|sebelumnya)$"
)
_NAMED_DAY = re.compile(
    r"^(?P<day>baru saja|barusan|just now|kemarin lusa|kemarin|yesterday|hari ini|today)"
    rf"(?:{_SEP}{_time('?')})?$"
)
_LABELS = re.compile(
    r"\b(?:diperbarui|diperbaharui|dipublikasikan|diterbitkan|terbit|ditulis|published|"
    r"updated|posted|on|pada|tanggal|tgl)\b\.?\s*:?"
)
_OUTLET = re.compile(r"^[\w.-]+\.(?:com|id|co\.id|net|org|news|tv)\s*[-–—:|,]\s*")
_QUOTES = (("’", "'"), ("‘", "'"), ("`", "'"), ("´", "'"), ("\u00a0", " "), ("\u2212", "-"))
# The longest text dateparser is asked to read: a date is a line (it takes 0.1 s on 2 KB).
_LONG_TAIL_LENGTH = 100
# A number that may be a day of the month, or an hour after its word ("pukul 19").
_DAY_NUMBER = re.compile(
    rf"(?:(?P<clock>{_CLOCK})\.?\s*)?(?<![\d:.])(?P<number>\d{{1,2}})(?!\d|[:.]\d)"
)
_MONTH_WORD = re.compile(rf"\b{_MONTH}\b")
# Zones named by other abbreviations than WIB, WITA, WIT, UTC and GMT, after a time: its
# moment is not told (the day is); a fixed offset each would be wrong half the year for
# some ("ET").
_OTHER_ZONE = re.compile(
    r"\s*\(?(?:[ecmp][sd]t|et|ak[sd]t|h[sd]t|bst|ist|cet|cest|eet|eest|eat|msk|sgt|myt|hkt|pht|ict|jst|kst"
    r"|a[ecw][sd]t|nz[sd]t)\b"
)

_UNITS = {
    "detik": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds",
    "seconds": "seconds", "menit": "minutes", "min": "minutes", "mins": "minutes",
    "minute": "minutes", "minutes": "minutes", "jam": "hours", "hr": "hours", "hrs": "hours",
    "hour": "hours", "hours": "hours", "hari": "days", "day": "days", "days": "days",
    "minggu": "weeks", "pekan": "weeks", "week": "weeks", "weeks": "weeks",
    "bulan": "months", "month": "months", "months": "months",
    "tahun": "years", "year": "years", "years": "years",
}  # fmt: skip


@dataclass(frozen=True)
class DateReading:
    """A date read from text, and whether the text gave its time of day."""

    moment: datetime
    has_time: bool


def parse_indonesian_date(text: str | None, reference: datetime | None = None) -> datetime | None:
    """The moment ``text`` names, aware and in Jakarta time, or None when it names none.

    ``reference`` is the moment relative and year-less dates are read against (default: now).
    """
    reading = read_date(text, reference)
    return reading.moment if reading else None


def read_date(
    text: str | None, reference: datetime | None = None, zone: tzinfo = JAKARTA
) -> DateReading | None:
    """Like :func:`parse_indonesian_date`, also telling whether the time of day is known.

    ``zone`` is the site's time zone: the moment is given in it, and a text that names no
    zone is read in it (Channel9.id writes Jakarta time).
    """
    if not text:
        return None
    cleaned = _normalise(text)
    if not cleaned:
        return None
    ref = told_in(reference or datetime.now(zone), zone)
    # A date the text names wins over its age beside it ("21 Januari 2022 - 2 tahun lalu").
    for reader in (_read_iso, _read_absolute, _read_bracketed, _read_relative):
        try:
            reading = reader(cleaned, ref, zone)
        except (ValueError, OverflowError):
            return None
        if reading is not None:
            return reading
    return _read_with_dateparser(cleaned, zone)


def find_weekday_date(text: str) -> str | None:
    """The first date naming its weekday in running text ("Jumat (21/1/2022)"), as written."""
    lowered = _fold(text)
    for pattern in (_BRACKETED, _WEEKDAY_WORDED):
        match = pattern.search(lowered)
        if match:
            return text[match.start() : match.end()]
    return None


_WEEKDAY_WORDED = re.compile(
    rf"\b{_WEEKDAY}\b,?\s+\d{{1,2}}\s+{_MONTH}\b\.?\s+\d{{4}}(?:,?\s+(?:pukul\s+)?\d{{1,2}}[:.]\d{{2}})?"
)


def _fold(text: str) -> str:
    """Lower case, with typographic apostrophes and no-break spaces made plain, each
    character kept in its place. (str.replace: on text that is not all ASCII,
    str.translate is 10x slower, and an article's text goes through here.)"""
    text = text.lower()
    for fancy, plain in _QUOTES:
        text = text.replace(fancy, plain)
    return text


def _normalise(text: str) -> str:
    text = " ".join(_fold(text).split())
    text = _OUTLET.sub("", text)
    return _LABELS.sub(" ", text).strip(" ,|-–—:")


def told_in(moment: datetime, zone: tzinfo) -> datetime:
    """The moment in ``zone`` (a naive one taken as in it); one at an end of time that the
    zone cannot tell (a forged capture date, 9999-12-31T23:00Z in WIB) the zone's last or
    first moment, rather than an error out of the page's parse."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    try:
        return moment.astimezone(zone)
    except OverflowError:
        if moment.year > 1:
            return datetime.max.replace(tzinfo=zone)
        return datetime.min.replace(tzinfo=zone)


def _zone(name: str | None, site: tzinfo) -> tzinfo:
    """The zone a text names (WIB, WITA, WIT, an offset, "GMT+7"), else the site's."""
    if not name:
        return site
    if name in ZONES:
        return ZONES[name]
    offset = name.removeprefix("gmt").removeprefix("utc").strip()
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    hours, minutes = (digits[:-2], digits[-2:]) if len(digits) > 2 else (digits, "0")
    return timezone(sign * timedelta(hours=int(hours), minutes=int(minutes)))


def _reading(day: date, groups: dict[str, str | None], zone: tzinfo) -> DateReading:
    """The day, at the time of day in ``groups`` when there is one: an hour alone counts only
    after a word such as "pukul" ("pukul 10 malam"), and "12 malam" tells no time."""
    hour = groups.get("hour")
    if (
        hour is None
        or (groups.get("minute") is None and not groups.get("clock"))
        or (int(hour) == 12 and groups.get("part") == "malam")  # the midnight before or after?
    ):
        return DateReading(datetime.combine(day, time(), zone), has_time=False)
    clock = _clock(
        int(groups["hour"] or 0),
        int(groups["minute"] or 0),
        int(groups.get("second") or 0),
        groups.get("ampm"),
        groups.get("part"),
    )
    moment = datetime.combine(day, clock, _zone(groups.get("zone"), zone))
    return DateReading(moment.astimezone(zone), has_time=True)


def _clock(hour: int, minute: int, second: int, ampm: str | None, part: str | None) -> time:
    """A 12-hour clock made 24-hour: "pm", "sore" and "malam" move it past noon."""
    if ampm == "am" and hour == 12:
        hour = 0
    elif hour < 12 and (ampm == "pm" or _past_noon(hour, part)):
        hour += 12
    return time(hour, minute, second)


def _past_noon(hour: int, part: str | None) -> bool:
    """ "Pukul 7 malam" is 19:00, "pukul 1 siang" 13:00, but "pukul 2 malam" is 02:00."""
    if part == "sore":
        return True
    if part == "malam":
        return hour >= 4
    return part == "siang" and hour < 6


def _read_iso(text: str, ref: datetime, zone: tzinfo) -> DateReading | None:
    match = _ISO.fullmatch(text)
    if not match:
        return None
    day = date.fromisoformat(match["date"])
    if not match["time"]:
        return DateReading(datetime.combine(day, time(), zone), has_time=False)
    clock = time.fromisoformat(match["time"][:8])
    moment = datetime.combine(day, clock, _zone(match["offset"], zone))
    return DateReading(moment.astimezone(zone), has_time=True)


def _read_relative(text: str, ref: datetime, zone: tzinfo) -> DateReading | None:
    match = _RELATIVE.search(text)
    if match:
        count = match["count"]
        amount = int(count) if count.isdigit() else 1
        unit = _UNITS[match["unit"]]
        if unit in ("seconds", "minutes", "hours"):
            return DateReading(ref - timedelta(**{unit: amount}), has_time=True)
        if unit in ("days", "weeks"):
            day = ref.date() - timedelta(**{unit: amount})
        else:
            day = _months_before(ref.date(), amount * (12 if unit == "years" else 1))
        return DateReading(datetime.combine(day, time(), zone), has_time=False)
    match = _NAMED_DAY.match(text)
    if not match:
        return None
    name = match["day"]
    if name in ("baru saja", "barusan", "just now"):
        return DateReading(ref, has_time=True)
    back = {"kemarin lusa": 2, "kemarin": 1, "yesterday": 1}.get(name, 0)
    return _reading(ref.date() - timedelta(days=back), match.groupdict(), zone)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)


def _read_absolute(text: str, ref: datetime, zone: tzinfo) -> DateReading | None:
    # The first date the text gives, with the time written before or after it: a time
    # before a later date ("16:40 WIB | Diperbarui 12 Juni") is that date's only if no
    # date comes first.
    found = [match for match in (_DATE_FIRST.search(text), _TIME_FIRST.search(text)) if match]
    if not found:
        return None
    match = min(found, key=lambda match: match.start())
    groups = match.groupdict()
    # "2:00 PM EDT": a clock not told here. Only where the time ends the match (after its
    # date) and names no zone the reader knows.
    followed = match.re is _DATE_FIRST and groups["hour"] is not None and not groups["zone"]
    if followed and _OTHER_ZONE.match(text, match.end()):
        groups["hour"] = None
    if groups["day"]:
        day = date(int(groups["year"]), MONTHS[groups["month"]], int(groups["day"]))
    elif groups["day2"]:
        day = date(int(groups["year2"]), MONTHS[groups["month2"]], int(groups["day2"]))
    else:
        year = _full_year(int(groups["nyear"]), ref)
        day = date(year, int(groups["nmonth"]), int(groups["nday"]))
    return _reading(day, groups, zone)


def _read_bracketed(text: str, ref: datetime, zone: tzinfo) -> DateReading | None:
    match = _BRACKETED.search(text)
    if not match:
        return None
    day, month = int(match["day"]), int(match["month"])
    if match["year"]:
        return _reading(date(_full_year(int(match["year"]), ref), month, day), {}, zone)
    return _reading(_year_less(day, month, WEEKDAYS[match["weekday"]], ref.date()), {}, zone)


def _full_year(year: int, ref: datetime) -> int:
    """A year as written, two digits made four: this century's, unless that is more than a
    year after ``ref`` ("21/01/99" is 1999)."""
    if year >= 100:
        return year
    century = ref.year - ref.year % 100
    return century + year if century + year <= ref.year + 1 else century - 100 + year


def _year_less(day: int, month: int, weekday: int, ref: date) -> date:
    """The latest such day not after ``ref``, or the one a year earlier when only that one
    falls on the weekday given."""
    candidates = []
    for year in range(ref.year, ref.year - 9, -1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= ref:
            candidates.append(candidate)
        if len(candidates) == 2:
            break
    if not candidates:
        raise ValueError((day, month))
    fitting = [d for d in candidates if d.weekday() == weekday]
    return fitting[0] if len(fitting) == 1 else candidates[0]


def _writes(text: str, day: date) -> bool:
    """Whether ``text`` writes the day's year and its day of the month: dateparser takes
    what is missing from any number near ("5 Mei pukul 19" would be 5 May 2019)."""
    year = rf"(?<!\d){day.year}(?!\d)|'{day.year % 100:02d}(?!\d)"
    return bool(re.search(year, text)) and any(
        int(number["number"]) == day.day and not number["clock"]
        for number in _DAY_NUMBER.finditer(text)
    )


@cache
def _dateparser() -> Any:
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["id"],
        settings={
            "DATE_ORDER": "DMY",
            "PREFER_DATES_FROM": "past",
            "TIMEZONE": "Asia/Jakarta",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "REQUIRE_PARTS": ["day", "month", "year"],
        },
    )


def _read_with_dateparser(text: str, zone: tzinfo) -> DateReading | None:
    if len(text) > _LONG_TAIL_LENGTH or not _MONTH_WORD.search(text):
        return None
    data = _dateparser().get_date_data(text)
    if data is None or data.date_obj is None or not _writes(text, data.date_obj.date()):
        return None
    if data.period != "time":  # a day: the site's, whatever zone dateparser read it in
        return DateReading(datetime.combine(data.date_obj.date(), time(), zone), has_time=False)
    return DateReading(told_in(data.date_obj, zone), has_time=True)
