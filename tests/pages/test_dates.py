"""Indonesian date reading: every form of the issue, against a fixed reference moment."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel9.pages.dates import find_weekday_date, parse_indonesian_date, read_date
from channel9.site import JAKARTA

REF = datetime(2024, 3, 15, 14, 30, tzinfo=JAKARTA)  # a Friday afternoon in Jakarta

READS = [
    # weekday with day/month in brackets, with or without year
    ("Jumat (21/1/2022)", "2022-01-21T00:00:00+07:00"),
    ("Senin (13/9/2021)", "2021-09-13T00:00:00+07:00"),
    ("Jum'at (21/01/22)", "2022-01-21T00:00:00+07:00"),
    ("Kamis (17/9)", "2023-09-17T00:00:00+07:00"),  # no Thursday 17/9 in 2023 or 2022: latest
    ("Rabu (13/3)", "2024-03-13T00:00:00+07:00"),
    ("Sabtu (16/3)", "2023-03-16T00:00:00+07:00"),  # after the reference: last year's
    ("Rabu (29/12)", "2023-12-29T00:00:00+07:00"),
    ("Kamis (29/12)", "2022-12-29T00:00:00+07:00"),  # only 2022's 29/12 is a Thursday
    ("Sabtu (31/10)", "2023-10-31T00:00:00+07:00"),
    ("kamis ( 14/3 )", "2024-03-14T00:00:00+07:00"),
    ("Jumat (21/1/2022) pukul 10.00 WIB", "2022-01-21T10:00:00+07:00"),
    # day month year, full, short and old spellings, any case, with or without weekday
    ("21 Januari 2022", "2022-01-21T00:00:00+07:00"),
    ("17 Februari 2021", "2021-02-17T00:00:00+07:00"),
    ("1 Pebruari 2022", "2022-02-01T00:00:00+07:00"),
    ("1 Peb 2022", "2022-02-01T00:00:00+07:00"),
    ("7 Maret 2022", "2022-03-07T00:00:00+07:00"),
    ("7 Mrt 2022", "2022-03-07T00:00:00+07:00"),
    ("9 April 2023", "2023-04-09T00:00:00+07:00"),
    ("2 Mei 2023", "2023-05-02T00:00:00+07:00"),
    ("12 Juni 2023", "2023-06-12T00:00:00+07:00"),
    ("30 Juli 2023", "2023-07-30T00:00:00+07:00"),
    ("17 Agustus 2023", "2023-08-17T00:00:00+07:00"),
    ("17 Agt 2023", "2023-08-17T00:00:00+07:00"),
    ("17 Agu 2023", "2023-08-17T00:00:00+07:00"),
    ("17 Ags 2023", "2023-08-17T00:00:00+07:00"),
    ("5 Sept 2021", "2021-09-05T00:00:00+07:00"),
    ("5 Okt 2021", "2021-10-05T00:00:00+07:00"),
    ("10 Nopember 2021", "2021-11-10T00:00:00+07:00"),
    ("10 Nop 2021", "2021-11-10T00:00:00+07:00"),
    ("25 Des 2021", "2021-12-25T00:00:00+07:00"),
    ("25 DESEMBER 2021", "2021-12-25T00:00:00+07:00"),
    ("25 desember 2021", "2021-12-25T00:00:00+07:00"),
    ("25 Des. 2021", "2021-12-25T00:00:00+07:00"),
    ("Rabu 27 November 2024", "2024-11-27T00:00:00+07:00"),
    ("Jumat, 21 Januari 2022", "2022-01-21T00:00:00+07:00"),
    ("Jum'at, 21 Januari 2022", "2022-01-21T00:00:00+07:00"),
    ("Jum’at, 21 Januari 2022", "2022-01-21T00:00:00+07:00"),
    ("Ahad, 6 Februari 2022", "2022-02-06T00:00:00+07:00"),
    ("Minggu, 6 Feb 2022", "2022-02-06T00:00:00+07:00"),
    # times, seconds, zones, parts of the day
    ("21 Januari 2022 10:30", "2022-01-21T10:30:00+07:00"),
    ("21 Januari 2022 10.30", "2022-01-21T10:30:00+07:00"),
    ("21 Januari 2022 pukul 10.30", "2022-01-21T10:30:00+07:00"),
    ("21 Januari 2022, 10:30:45", "2022-01-21T10:30:45+07:00"),
    ("21 Januari 2022 10:30 WIB", "2022-01-21T10:30:00+07:00"),
    ("21 Januari 2022 10:30 WITA", "2022-01-21T09:30:00+07:00"),
    ("21 Januari 2022 10:30 WIT", "2022-01-21T08:30:00+07:00"),
    ("Senin, 7 Mrt 2022 | 19:05 WIB", "2022-03-07T19:05:00+07:00"),
    ("Jumat, 21 Jan 2022 - 10:30 WIB", "2022-01-21T10:30:00+07:00"),
    ("21 Januari 2022 pukul 7.30 malam", "2022-01-21T19:30:00+07:00"),
    ("21 Januari 2022 pukul 7.30 pagi", "2022-01-21T07:30:00+07:00"),
    ("21 Januari 2022 pukul 1.15 siang", "2022-01-21T13:15:00+07:00"),
    ("21 Januari 2022 pukul 4.00 sore", "2022-01-21T16:00:00+07:00"),
    ("21 Januari 2022 pukul 11.00 siang", "2022-01-21T11:00:00+07:00"),
    ("10.30 WIB, 21 Januari 2022", "2022-01-21T10:30:00+07:00"),
    ("21 Januari 2022 pukul 10 malam", "2022-01-21T22:00:00+07:00"),
    ("21 Januari 2022 pukul 2 malam", "2022-01-21T02:00:00+07:00"),
    ("Kamis, 17 September 2020 / 14:20 WIB", "2020-09-17T14:20:00+07:00"),
    ("21-Jan-2022", "2022-01-21T00:00:00+07:00"),
    ("Okezone, Jumat 21 Januari 2022 10:30 WIB", "2022-01-21T10:30:00+07:00"),
    # labels and separators of national outlets
    ("Diperbarui 21 Januari 2022, 10:30 WIB", "2022-01-21T10:30:00+07:00"),
    ("Dipublikasikan: 21 Januari 2022", "2022-01-21T00:00:00+07:00"),
    ("Kompas.com - 21/01/2022, 10:30 WIB", "2022-01-21T10:30:00+07:00"),
    ("Detik.com | Jumat, 21 Jan 2022 10:30 WIB", "2022-01-21T10:30:00+07:00"),
    ("Published on 21 Januari 2022", "2022-01-21T00:00:00+07:00"),
    # numeric, always day first
    ("21/01/2022", "2022-01-21T00:00:00+07:00"),
    ("21-01-2022 10:30", "2022-01-21T10:30:00+07:00"),
    ("21.01.2022", "2022-01-21T00:00:00+07:00"),
    ("1/2/2022", "2022-02-01T00:00:00+07:00"),
    ("01/02/2022 08:00 WIB", "2022-02-01T08:00:00+07:00"),
    ("Selasa, 1/2/2022", "2022-02-01T00:00:00+07:00"),
    # English names, ISO 8601
    ("January 21, 2022", "2022-01-21T00:00:00+07:00"),
    ("Monday, January 24, 2022", "2022-01-24T00:00:00+07:00"),
    ("Jan 21, 2022 at 10:30 AM", "2022-01-21T10:30:00+07:00"),
    ("12:30 AM 21 Jan 2022", "2022-01-21T00:30:00+07:00"),
    ("21 January 2022", "2022-01-21T00:00:00+07:00"),
    ("Friday, 21 January 2022 3:30 pm", "2022-01-21T15:30:00+07:00"),
    ("Mar 7, 2022 7:05 AM", "2022-03-07T07:05:00+07:00"),
    ("2022-01-21T10:30:00+07:00", "2022-01-21T10:30:00+07:00"),
    ("2022-01-21T03:30:00Z", "2022-01-21T10:30:00+07:00"),
    ("2022-01-21T03:30:00+00:00", "2022-01-21T10:30:00+07:00"),
    ("2022-01-21 10:30:00", "2022-01-21T10:30:00+07:00"),
    ("2021-02-17", "2021-02-17T00:00:00+07:00"),
    ("2022-01-21T10:30:00.123+0700", "2022-01-21T10:30:00+07:00"),
    # relative to the reference
    ("2 jam yang lalu", "2024-03-15T12:30:00+07:00"),
    ("5 menit lalu", "2024-03-15T14:25:00+07:00"),
    ("30 detik yang lalu", "2024-03-15T14:29:30+07:00"),
    ("sejam lalu", "2024-03-15T13:30:00+07:00"),
    ("kemarin", "2024-03-14T00:00:00+07:00"),
    ("Kemarin, 10:30", "2024-03-14T10:30:00+07:00"),
    ("Hari ini, 09:15 WIB", "2024-03-15T09:15:00+07:00"),
    ("3 hari yang lalu", "2024-03-12T00:00:00+07:00"),
    ("1 minggu lalu", "2024-03-08T00:00:00+07:00"),
    ("2 pekan lalu", "2024-03-01T00:00:00+07:00"),
    ("2 bulan lalu", "2024-01-15T00:00:00+07:00"),
    ("1 tahun lalu", "2023-03-15T00:00:00+07:00"),
    ("baru saja", "2024-03-15T14:30:00+07:00"),
    ("seminggu lalu", "2024-03-08T00:00:00+07:00"),
    ("Diperbarui sekitar 2 jam yang lalu", "2024-03-15T12:30:00+07:00"),
    ("kemarin pukul 10 malam", "2024-03-14T22:00:00+07:00"),
    ("an hour ago", "2024-03-15T13:30:00+07:00"),
    ("2 jam ago", "2024-03-15T12:30:00+07:00"),
    ("3 hari ago", "2024-03-12T00:00:00+07:00"),
    ("3 days ago", "2024-03-12T00:00:00+07:00"),
    ("yesterday", "2024-03-14T00:00:00+07:00"),
    # A range of times is read as its start, not its end as an offset (a day later).
    ("21 Januari 2022 10:00-12:00 WIB", "2022-01-21T10:00:00+07:00"),
    ("Senin, 21/01/2022 19:30 - 21:30 WITA", "2022-01-21T18:30:00+07:00"),
    ("21 Januari 2022, 10.00–12.00", "2022-01-21T10:00:00+07:00"),
    ("21 Januari 2022 10:00-12:00 | Jakarta", "2022-01-21T10:00:00+07:00"),
    ("21 Januari 2022 10:00-12:00 (WIB)", "2022-01-21T10:00:00+07:00"),
    ("21 Januari 2022 10:00 - 11:30 waktu setempat", "2022-01-21T10:00:00+07:00"),
    # An offset after one space, or after seconds, is one.
    ("Fri, 21 Jan 2022 10:30:00 -05:00", "2022-01-21T22:30:00+07:00"),
    ("21 Januari 2022 10:30 \u221207:00", "2022-01-22T00:30:00+07:00"),
    # An offset from GMT or UTC.
    ("Jumat, 21 Jan 2022 20:30 GMT+7", "2022-01-21T20:30:00+07:00"),
    ("21/01/2022 20:00 UTC+07:00", "2022-01-21T20:00:00+07:00"),
    ("21 Jan 2022 10:30 UTC-5", "2022-01-21T22:30:00+07:00"),
    # Zones, "am" and the parts of a day are whole words.
    ("January 21, 2022 1:15 with 3 comments", "2022-01-21T01:15:00+07:00"),
    ("Posted January 21, 2022 1:15 am with 0 comments", "2022-01-21T01:15:00+07:00"),
    ("21 Januari 2022 12:30 amid protests", "2022-01-21T12:30:00+07:00"),
    ("Senin, 21/01/2022 09:00 PMI gelar donor darah", "2022-01-21T09:00:00+07:00"),
    # The date written wins over its age beside it.
    ("Kamis, 21 Januari 2022 - 2 tahun lalu", "2022-01-21T00:00:00+07:00"),
    ("21 Januari 2022 | 3 hari lalu", "2022-01-21T00:00:00+07:00"),
    # Two digits of a year: this century's, unless more than a year after the reference.
    ("21/01/25", "2025-01-21T00:00:00+07:00"),
    ("21/01/99", "1999-01-21T00:00:00+07:00"),
    ("Senin (1/2/99)", "1999-02-01T00:00:00+07:00"),
    # A bullet between the day and the time.
    ("10 Juni 2025 • 10:05 WIB", "2025-06-10T10:05:00+07:00"),
    ("10 Juni 2025 · 10:05", "2025-06-10T10:05:00+07:00"),
    # The first date written, with its own time, not a later one's day.
    ("11 Juni 2025 16:40 WIB | Diperbarui 12 Juni 2025 08:00 WIB", "2025-06-11T16:40:00+07:00"),
    (
        "Dipublikasikan: 11/06/2025 16:40 WIB, Diperbarui: 12/06/2025 08:00 WIB",
        "2025-06-11T16:40:00+07:00",
    ),
    ("10:30 WIB, 21 Januari 2022", "2022-01-21T10:30:00+07:00"),
    # No clock of the world is 15 hours behind: a range.
    ("Kamis 12 Juni 2025, 14:30 -15:00", "2025-06-12T14:30:00+07:00"),
    # "12 malam" is a midnight, the one before or after: the day alone.
    ("21 Januari 2022 pukul 12 malam", "2022-01-21T00:00:00+07:00"),
]

NOT_DATES = [
    "",
    "   ",
    "86",
    "12345",
    "5,2",
    "3.14",
    "Pemilu 2024",
    "2024",
    "Rp 5.000.000",
    "Rp 25.000,00",
    "(HY)",
    "(RAG)",
    "Published",
    "Continue Reading",
    "86  +    =  95",
    "86 + = 95",
    "31/2/2022",
    "30 Februari 2022",
    "32 Januari 2022",
    "21/13/2022",
    "Januari 2022",
    "21 Januari",
    "Kamis (30/2)",
    "21/01",
    "10:30",
    "pukul 10.30 WIB",
    "tahun lalu",
    "Jalan Keluar Tak Ditemukan",
    "Ruas yang wajib ditandai *",
    # Part of a longer run of numbers: an ISO day with a malformed time, a code.
    "2025-12-05-10-07:00",
    "Diposting 2025-12-05-10:07",
    "ID 2025/12/05/10",
    "12-05-10-33",
    # A number before a month is no day when it ends another number or a word.
    "Kasus Covid-19 Maret 2020",
    "KTT G20 November 2022",
    "Samsung Galaxy S24 Januari 2024",
    "Inflasi 3,25 Mei 2022",
    "121 Januari 2022",
    # A year runs on into more digits.
    "21 Januari 20221",
    "5 Mei 19990",
    "Jan 12345",
    "Apr 22020",
    # A month's name inside a word, or its day run into the year.
    "Omar 12, 2020",
    "Kamar 2 2023",
    "Mercedes 12, 2022",
    # Versions and times: two digits of a year are never dotted.
    "Python 3.12.10",
    "v1.2.33",
    "Pukul 14.05.00 WIB",
    # The year or the day is not written: an hour is neither.
    "Minggu, 5 Mei pukul 19",
    "Senin, 12 Desember jam 10",
    "Januari 2022 pukul 10",
]


@pytest.mark.parametrize(("text", "expected"), READS)
def test_reads_the_forms_of_indonesian_pages(text: str, expected: str) -> None:
    moment = parse_indonesian_date(text, REF)
    assert moment is not None
    assert moment.isoformat() == expected


@pytest.mark.parametrize("text", NOT_DATES)
def test_returns_none_for_what_is_not_a_full_date(text: str) -> None:
    assert parse_indonesian_date(text, REF) is None


@pytest.mark.parametrize(
    ("text", "has_time"),
    [
        ("21 Januari 2022", False),
        ("21 Januari 2022 10:30", True),
        ("2 jam lalu", True),
        ("kemarin", False),
        ("2022-01-21", False),
        ("2022-01-21T10:30:00Z", True),
        # A clock of a zone named otherwise than WIB, WITA, WIT, UTC or GMT: the day alone.
        ("Jun 9, 2025, 2:00 PM EDT", False),
        ("9 Juni 2025 14:00 CET", False),
        ("9 Juni 2025 14:00 at Jakarta", True),
        ("June 12, 2025 2:00 PM (EDT)", False),
        ("Published: 14 June 2025 10:21 AKDT", False),
        # A company's "PT" (Perseroan Terbatas) after the time, or after a zone told.
        ("12 Juni 2025 14:00 PT Pertamina", True),
        ("12 Juni 2025 14:00 WIB PT Pertamina mengumumkan", True),
        ("10:30, 21 Januari 2022 PT KAI", True),
    ],
)
def test_says_whether_the_time_of_day_was_given(text: str, has_time: bool) -> None:
    reading = read_date(text, REF)
    assert reading is not None
    assert reading.has_time is has_time


@pytest.mark.parametrize(
    ("reference", "zone", "today"),
    [
        (datetime(9999, 12, 31, 23, tzinfo=timezone.utc), JAKARTA, "9999-12-31"),
        (datetime(1, 1, 1, 1, tzinfo=timezone.utc), timezone(timedelta(hours=-5)), "0001-01-01"),
    ],
)
def test_a_reference_at_an_end_of_time_reads_dates_without_an_error(
    reference: datetime, zone: timezone, today: str
) -> None:
    # A capture date forged in an archive: the site's clock cannot tell it.
    reading = read_date("21 Januari 2022", reference, zone)
    assert reading is not None and reading.moment.date().isoformat() == "2022-01-21"
    # Read against the zone's last or first moment instead.
    named = read_date("hari ini", reference, zone)
    assert named is not None and named.moment.date().isoformat() == today


def test_reference_in_another_zone_is_read_in_jakarta_time() -> None:
    late_utc = datetime(2024, 3, 15, 20, 0, tzinfo=timezone.utc)  # already the 16th in Jakarta
    assert parse_indonesian_date("kemarin", late_utc) == datetime(2024, 3, 15, tzinfo=JAKARTA)


def test_finds_the_first_weekday_date_in_running_text() -> None:
    text = "Rapat digelar di Jakarta, Jumat (21/1/2022). Sidang lanjutan Senin (24/1)."
    assert find_weekday_date(text) == "Jumat (21/1/2022)"
    assert find_weekday_date("Diumumkan Rabu 27 November 2024 di Istana.") == (
        "Rabu 27 November 2024"
    )
    assert find_weekday_date("Tanpa tanggal sama sekali, 86 + = 95.") is None
    quoted = "Ia berkata \u201cbelum\u201d \u2014 rapat digelar Jum\u2019at\u00a0(21/1/2022) pagi."
    assert find_weekday_date(quoted) == "Jum\u2019at\u00a0(21/1/2022)"


MONTH_NAMES = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
               "September", "Oktober", "November", "Desember"]  # fmt: skip
SHORT_NAMES = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
WEEKDAY_NAMES = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
STYLES = {
    "iso": lambda m: m.isoformat(),
    "iso_utc": lambda m: m.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
    "full": lambda m: f"{m.day} {MONTH_NAMES[m.month - 1]} {m.year} {m:%H:%M} WIB",
    "short_dot": lambda m: f"{m.day} {SHORT_NAMES[m.month - 1]} {m.year}, pukul {m:%H.%M}",
    "weekday": lambda m: (
        f"{WEEKDAY_NAMES[m.weekday()]}, {m.day} {MONTH_NAMES[m.month - 1]} {m.year} | {m:%H:%M}"
    ),
    "numeric": lambda m: f"{m:%d/%m/%Y %H:%M}",
    "numeric_dash": lambda m: f"{m.day}-{m.month}-{m.year} {m:%H:%M:%S}",
    "wita": lambda m: (
        f"{(m + timedelta(hours=1)):%d} {MONTH_NAMES[(m + timedelta(hours=1)).month - 1]} "
        f"{(m + timedelta(hours=1)).year} {(m + timedelta(hours=1)):%H:%M} WITA"
    ),
}


@given(
    moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31)).map(
        lambda m: m.replace(microsecond=0, tzinfo=JAKARTA)
    ),
    style=st.sampled_from(sorted(STYLES)),
)
def test_formatted_moments_read_back_to_the_same_moment(moment: datetime, style: str) -> None:
    text = STYLES[style](moment)
    if style in ("full", "short_dot", "numeric", "weekday", "wita"):
        moment = moment.replace(second=0)
    assert parse_indonesian_date(text, REF) == moment, text


@given(days_back=st.integers(min_value=0, max_value=364))
def test_year_less_weekday_dates_of_the_past_year_read_back(days_back: int) -> None:
    day = REF.date() - timedelta(days=days_back)
    text = f"{WEEKDAY_NAMES[day.weekday()]} ({day.day}/{day.month})"
    assert parse_indonesian_date(text, REF) == datetime(
        day.year, day.month, day.day, tzinfo=JAKARTA
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A stamp with an offset: the same moment, told in the site's zone.
        ("2025-12-19T23:05:00+05:30", "2025-12-19T17:35:00+00:00"),
        # A day, read by the regular expressions or by dateparser: the site's day.
        ("5 Januari 2024", "2024-01-05T00:00:00+00:00"),
        ("2024 Januari 5", "2024-01-05T00:00:00+00:00"),
        # A clock without a zone: the site's clock.
        ("5 Januari 2024 10:30", "2024-01-05T10:30:00+00:00"),
        ("Jumat, 5 Januari 2024 10:30 WIB", "2024-01-05T03:30:00+00:00"),
    ],
)
def test_dates_are_told_in_the_sites_zone(text: str, expected: str) -> None:
    reading = read_date(text, datetime(2026, 1, 1, tzinfo=timezone.utc), zone=timezone.utc)
    assert reading is not None
    assert reading.moment.isoformat() == expected
