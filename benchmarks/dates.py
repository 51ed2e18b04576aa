"""Benchmark: channel9.pages.dates.parse_indonesian_date against plain dateparser.

Run: ``.venv/bin/python benchmarks/dates.py``. Prints calls per second for both on the common
forms of Indonesian news pages, on the long tail that goes to dateparser, and on texts that
are no date at all, the ratio, and the first-call cost of each (in a fresh interpreter).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime

import dateparser

from channel9.pages.dates import parse_indonesian_date
from channel9.site import JAKARTA

REFERENCE = datetime(2024, 3, 15, 14, 30, tzinfo=JAKARTA)
COMMON = [
    "Jumat (21/1/2022)",
    "Kamis (17/9)",
    "17 Februari 2021",
    "Jum'at, 21 Januari 2022 10:30 WIB",
    "Senin, 7 Mrt 2022 | 19:05 WIB",
    "Diperbarui 21 Jan 2022, pukul 10.30 WITA",
    "Kompas.com - 21/01/2022, 10:30 WIB",
    "21/01/2022",
    "21-01-2022 10:30",
    "2022-01-21T10:30:00+07:00",
    "2021-02-17",
    "2 jam yang lalu",
    "3 hari ago",
    "Kemarin, 10:30",
    "Hari ini, 09:15 WIB",
    "January 21, 2022",
]
TAIL = [
    "21 Januari '22",
    "Jumat, 21 Januari 2022 sekitar jam sepuluh",
    "awal Januari 2022, tanggal 3",
]
NOT_DATES = ["86  +    =  95", "Pemilu 2024", "(HY)", "Published", "Rp 5.000", "5,2"]
ROUNDS = 3


def rate(function: Callable[[str], object], texts: list[str], seconds: float = 1.0) -> float:
    """Calls per second over ``texts``, the best of a few rounds of about ``seconds``."""
    best = 0.0
    for _ in range(ROUNDS):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for text in texts:
                function(text)
            calls += len(texts)
        best = max(best, calls / (time.perf_counter() - start))
    return best


def first_call(statement: str) -> float:
    """Seconds for import and first call, in a fresh interpreter."""
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    return float(subprocess.check_output([sys.executable, "-c", code], text=True))


def ours(text: str) -> object:
    return parse_indonesian_date(text, REFERENCE)


def plain(text: str) -> object:
    return dateparser.parse(text, languages=["id"])


def main() -> None:
    ours("warm-up 1 Januari 2022"), plain("1 Januari 2022")
    print(f"{'forms':<10} {'channel9 calls/s':>17} {'dateparser calls/s':>19} {'ratio':>7}")
    for name, texts in (("common", COMMON), ("long tail", TAIL), ("non-dates", NOT_DATES)):
        fast, slow = rate(ours, texts), rate(plain, texts)
        print(f"{name:<10} {fast:>17,.0f} {slow:>19,.0f} {fast / slow:>6.1f}x")
    ours_first = first_call(
        "from channel9.pages.dates import parse_indonesian_date as p; p('21 Januari 2022')"
    )
    theirs_first = first_call(
        "import dateparser; dateparser.parse('21 Januari 2022', languages=['id'])"
    )
    print(
        f"first call: channel9 {ours_first * 1000:.0f} ms, dateparser {theirs_first * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
