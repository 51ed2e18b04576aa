"""``scrapy runs``: the table of the last runs, refused and unfinished ones included."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest
from scrapy.utils.defer import deferred_f_from_coro_f

from channel9.commands.runs import WIDTH, table
from channel9.demo.site import FakeSite
from channel9.incremental.history import Run, read_refused
from channel9.incremental.store import (
    Asked,
    Backfill,
    CrawlState,
    Published,
    record_refused,
    refusals_of,
)
from tests.conftest import (
    FAST,
    FORMAT_3,
    SCRAPY,
    STATE,
    command_in_process,
    crawl,
    crawl_in_process,
)

JOB = "6f1c2e8a0b9d11efb7a6f2c3d4e5f601"
BLOCKED = "9 of 60 responses were 403 or 429 (15%; 1% in the median of the last 10 runs): is"
BLOCKED += " the site blocking the crawler?"
SITE = "https://channel9.id"


def runs(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return command_in_process(workdir, "runs", *args)


def recorded_runs(state: Path) -> None:
    """Four runs with fixed times: ok (half-way through a backfill, warned of blocking),
    failed (from Scrapyd, with arguments), refused, and one still running with arguments
    too long for their column."""
    store = CrawlState(state)
    store.start_run("1", "2024-05-01T03:00:00+00:00", None, Asked("https://channel9.id"))
    backfill = Backfill(17, 12, ("listing:opini",), 120, 40)
    store.finish_run(
        "1", "2024-05-01T03:12:05+00:00", "finished", None, [], 40, 0, {}, backfill, 2, [BLOCKED]
    )
    asked = Asked("http://127.0.0.1:8123", {"full": "1", "max_pages": "2"}, JOB)
    store.start_run("2", "2024-05-02T03:00:00+00:00", None, asked)
    problems = ["40 of 47 pages failed", "the site answered 5xx to the last 40 requests"]
    store.finish_run("2", "2024-05-02T04:07:09+00:00", "finished", None, problems, 0, 40, {})
    since = {"categories": "nasional,opini,ekonomi", "since": "2024-01-01"}
    store.start_run("4", "2024-05-03T03:00:00+00:00", None, Asked("https://channel9.id", since))
    store.close()
    refused = Asked("https://channel9.id", {}, "7a2b")
    record_refused(state, "3", "2024-05-02T03:30:00+00:00", refused, "pid 4242")


def test_runs_are_a_table_with_a_header_and_what_a_row_cannot_say_under_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    recorded_runs(tmp_path / STATE)

    shown = runs(tmp_path)

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "started (UTC)       took  site            arguments        new  re-emitted  failed pages"
        "  verdict",
        "2024-05-01 03:00  12m05s  channel9.id                       38           2"
        "             0  ok, warned",
        # Too long for one line: each part on its own, wrapped under itself.
        "    warning: 9 of 60 responses were 403 or 429 (15%; 1% in the median of the last 10"
        " runs): is the",
        "      site blocking the crawler?",
        "    backfill 12/17 doors read to their end, 40/120 articles",
        "2024-05-02 03:00   1h07m  127.0.0.1:8123  full=1 max_pag…    0           -"
        "            40  failed",
        "    40 of 47 pages failed",
        "    the site answered 5xx to the last 40 requests",
        f"    Scrapyd job {JOB}",
        "    arguments full=1 max_pages=2",
        "2024-05-02 03:30       -  channel9.id                        -           -"
        "             -  refused",
        "    another crawl held the crawl state (pid 4242); Scrapyd job 7a2b",
        "2024-05-03 03:00       -  channel9.id     categories=nas…    -           -"
        "             -  unfinished",
        "    running, or killed (the next crawl tells)",
        "    arguments categories=nasional,opini,ekonomi since=2024-01-01",
    ]
    assert max(len(line) for line in shown.stdout.splitlines()) <= WIDTH == 100


def test_runs_as_json_keep_their_keys_and_add_what_was_asked(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    recorded_runs(tmp_path / STATE)

    told = [json.loads(line) for line in runs(tmp_path, "--json").stdout.splitlines()]

    assert [run["verdict"] for run in told] == ["ok", "failed", "refused", "unfinished"]
    assert [run["warnings"] for run in told] == [[BLOCKED], [], None, None]
    assert (told[0]["written"], told[0]["reemitted"]) == (40, 2)
    assert (told[2]["started_at"], told[2]["finished_at"], told[2]["seconds"]) == (
        "2024-05-02T03:30:00+00:00",
        None,
        None,
    )
    assert told[1] == {
        "run_id": "2",
        "started_at": "2024-05-02T03:00:00+00:00",
        "finished_at": "2024-05-02T04:07:09+00:00",
        "finish_reason": "finished",
        "output": None,
        "report": None,
        "problems": ["40 of 47 pages failed", "the site answered 5xx to the last 40 requests"],
        "written": 0,
        "failed": 40,
        "backfill": None,
        "site": "http://127.0.0.1:8123",
        "arguments": {"full": "1", "max_pages": "2"},
        "job": JOB,
        "reemitted": None,
        "warnings": [],
        "verdict": "failed",
        "seconds": 4029.0,
        "output_gone": False,
    }


def test_a_killed_runs_articles_are_those_it_exported_before_it_was_killed(tmp_path: Path) -> None:
    """Counted as they are exported: a run killed before it recorded its end tells them."""
    (tmp_path / "data").mkdir()
    store = CrawlState(tmp_path / STATE)
    store.start_run("5", "2024-05-04T03:00:00+00:00", None, Asked("https://channel9.id"))
    for slug, changed in (("a", False), ("b", True), ("c", False)):
        url = f"https://channel9.id/{slug}/"
        store.record_exported([url], url, "h", Published(), "t", "5", reemitted=changed)
    store.close()

    (told,) = [json.loads(line) for line in runs(tmp_path, "--json").stdout.splitlines()]

    assert (told["verdict"], told["written"], told["reemitted"]) == ("unfinished", 3, 1)


def test_a_table_of_long_cells_fits_100_columns() -> None:
    long = Run(
        run_id="1",
        started_at="2024-05-01T03:00:00+00:00",
        finished_at="2024-05-03T05:00:00+00:00",
        finish_reason="finished",
        output=None,
        report=None,
        problems=["a reason " * 30],
        written=123456,
        failed=654321,
        site="https://a-mirror-of-the-site-with-a-very-long-name.example.org:8443",
        arguments={"replay": "/srv/archives/" + "x" * 80},
        reemitted=12345,
    )

    shown = table([[long]])

    assert shown == [
        "started (UTC)       took  site                  arguments     new  re-emitted"
        "  failed pages  verdict",
        "2024-05-01 03:00  50h00m  a-mirror-of-the-sit…  replay=/…  111111       12345"
        "        654321  failed",
        "    " + "a reason " * 10 + "a",
        "      " + "reason a " * 9 + "reason a",
        "      " + "reason a " * 9 + "reason",
        "    arguments replay=/srv/archives/" + "x" * 65,
        "      " + "x" * 15,
    ]
    assert max(len(line) for line in shown) == WIDTH


def test_a_state_from_before_the_runs_recorded_what_was_asked_shows_dashes(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    old = sqlite3.connect(tmp_path / STATE)
    old.executescript(
        FORMAT_3 + "CREATE TABLE runs (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL,"
        " finished_at TEXT, finish_reason TEXT, output TEXT, report TEXT, verdict TEXT,"
        " articles INTEGER, field_fill TEXT, failed INTEGER, backfill TEXT);"
        "INSERT INTO runs VALUES ('1', '2024-05-01T00:00:00+00:00',"
        " '2024-05-01T00:00:09+00:00', 'finished', NULL, NULL, '[]', 40, '{}', 3, NULL);"
    )
    old.commit()
    old.close()
    expected = [
        "started (UTC)     took  site  arguments  new  re-emitted  failed pages  verdict",
        "2024-05-01 00:00    9s  -     -           40           -             3  ok",
    ]

    assert runs(tmp_path).stdout.splitlines() == expected
    CrawlState(tmp_path / STATE).close()  # a crawl opens it: the columns are added
    assert runs(tmp_path).stdout.splitlines() == expected


def test_a_crawl_refused_while_another_runs_is_listed_as_refused(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    held = threading.Event()

    def hold(hit: int) -> None:
        """The first crawl waits for its first article until the second has run."""
        held.wait(60)

    site.overrides[f"/{site.order[0]}/"] = hold
    first = subprocess.Popen(
        [SCRAPY, "crawl", "channel9", "-a", f"base_url={base_url}", *FAST],
        cwd=tmp_path,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while f"/{site.order[0]}/" not in site.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    second = crawl(tmp_path, base_url, "-a", "max_pages=1", "-a", "_job=job-2")
    held.set()  # the first crawl gets its last article and ends
    assert first.wait(timeout=120) == 0

    shown = runs(tmp_path)

    assert second.returncode == 2, second.log
    assert shown.returncode == 0, shown.stderr
    _, ran, refused, why = shown.stdout.splitlines()
    port = base_url.rpartition(":")[2]
    assert ran.endswith(f"127.0.0.1:{port}                40           0             0  ok")
    assert refused.endswith(
        f"127.0.0.1:{port}  max_pages=1    -           -             -  refused"
    )
    assert why == f"    another crawl held the crawl state (pid {first.pid}); Scrapyd job job-2"
    with sqlite3.connect(tmp_path / STATE) as db:
        assert db.execute("SELECT count(*), min(verdict) FROM runs").fetchone() == (1, "[]")


@deferred_f_from_coro_f
async def test_a_full_run_counts_the_articles_it_re_emitted(
    site: FakeSite, base_url: str, tmp_path: Path
) -> None:
    await crawl_in_process(tmp_path, base_url)
    site.edit(site.order[5])
    await crawl_in_process(tmp_path, base_url, "-a", "full=1")

    rows = [line.split() for line in runs(tmp_path).stdout.splitlines()[1:]]

    assert [row[4:] for row in rows] == [["40", "0", "0", "ok"], ["full=1", "0", "1", "0", "ok"]]


def refuse(
    state: Path, run_id: str, at: str, job: str | None = None, holder: str = "pid 4242"
) -> None:
    record_refused(state, run_id, f"2024-05-02T{at}:00+00:00", Asked(SITE, {}, job), holder)


def test_damaged_lines_among_the_refusals_are_skipped_counted_not_fatal(tmp_path: Path) -> None:
    """A line cut short by a full disk, a blank one, one that is no record: the runs and
    the other refusals are listed all the same, the lines skipped said on stderr."""
    (tmp_path / "data").mkdir()
    state = tmp_path / STATE
    recorded_runs(state)
    with refusals_of(state).open("ab") as refusals:
        refusals.write(b'{"run_id": "5", "started_at": "2024-05-0\n')
        refusals.write(b"\n")
        refusals.write(b"[1, 2]\n")
        refusals.write(
            b'{"run_id": "6", "started_at": "kemarin", "site": null,'
            b' "arguments": {}, "job": null, "holder": "pid 1"}\n'
        )
    refuse(state, "7", "05:00")

    shown = runs(tmp_path)
    told = runs(tmp_path, "--json")

    assert shown.returncode == told.returncode == 0, shown.stderr + told.stderr
    assert (
        shown.stderr
        == told.stderr
        == (
            "scrapy runs: warning: skipped 3 damaged lines of data/channel9-state.sqlite3.refused:"
            " the refusals they held are not listed\n"
        )
    )
    assert [json.loads(line)["run_id"] for line in told.stdout.splitlines()] == [
        "1",
        "2",
        "3",
        "7",
        "4",
    ]
    assert shown.stdout.splitlines()[-7:-2] == [
        "2024-05-02 03:30       -  channel9.id                        -           -"
        "             -  refused x2",
        "    2 refused between 03:30 and 05:00",
        "    another crawl held the crawl state (pid 4242)",
        "    Scrapyd job 7a2b",
        "2024-05-03 03:00       -  channel9.id     categories=nas…    -           -"
        "             -  unfinished",
    ]


def test_a_refusal_whose_write_is_cut_short_is_written_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``write`` may write less than it was given (a signal, a disk near full): the rest
    follows."""
    state = tmp_path / "state.sqlite3"
    write = os.write
    monkeypatch.setattr(os, "write", lambda handle, data: write(handle, data[:7]))

    refuse(state, "1", "03:00", "job-1")
    refuse(state, "2", "03:05", "job-2")

    refused = read_refused(state)
    assert [(run.run_id, run.job) for run in refused.runs] == [("1", "job-1"), ("2", "job-2")]
    assert refused.damaged == 0


def test_a_line_left_unfinished_by_a_full_disk_loses_no_later_refusal(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    refuse(state, "1", "03:00")
    with refusals_of(state).open("ab") as refusals:
        refusals.write(b'{"run_id": "2", "start')  # the disk filled here

    refuse(state, "3", "03:10")

    refused = read_refused(state)
    assert [run.run_id for run in refused.runs] == ["1", "3"]
    assert refused.damaged == 1


def test_refusals_written_at_once_by_many_crawls_are_each_one_line(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    code = (
        "import sys; from pathlib import Path;"
        " from channel9.incremental.store import Asked, record_refused\n"
        "for n in range(200):\n"
        "    record_refused(Path(sys.argv[1]), f'{sys.argv[2]}-{n}',"
        " '2024-05-02T03:00:00+00:00', Asked('https://channel9.id', {'x': 'y' * 500}), 'pid 1')"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", code, str(state), str(writer)])
        for writer in range(4)
    ]
    assert [writer.wait(timeout=60) for writer in writers] == [0] * 4

    refused = read_refused(state)
    assert refused.damaged == 0
    assert sorted(run.run_id for run in refused.runs) == sorted(
        f"{writer}-{n}" for writer in range(4) for n in range(200)
    )


def test_refusals_one_after_another_are_one_row_and_last_counts_rows(tmp_path: Path) -> None:
    """A cron job every few minutes through a long crawl: one row of refusals, not a
    table of them; a refusal of other arguments, or after a run, starts another row."""
    (tmp_path / "data").mkdir()
    state = tmp_path / STATE
    store = CrawlState(state)
    store.start_run("1", "2024-05-02T02:00:00+00:00", None, Asked(SITE))
    store.finish_run("1", "2024-05-02T06:00:00+00:00", "finished", None, [], 3, 0, {}, None, 0)
    store.close()
    for number, at in enumerate(("03:00", "03:05", "05:45")):
        refuse(state, f"r{number}", at, f"job-{number}")
    record_refused(state, "f", "2024-05-02T05:50:00+00:00", Asked(SITE, {"full": "1"}), "pid 4242")
    record_refused(state, "n", "2024-05-03T01:00:00+00:00", Asked(SITE), "pid 99")
    record_refused(state, "o", "2024-05-04T00:30:00+00:00", Asked(SITE), "pid 99")

    shown = runs(tmp_path, "--last", "3")
    told = runs(tmp_path, "--last", "3", "--json")

    assert shown.returncode == told.returncode == 0, shown.stderr + told.stderr
    assert shown.stdout.splitlines() == [
        "started (UTC)     took  site         arguments  new  re-emitted  failed pages  verdict",
        "2024-05-02 03:00     -  channel9.id               -           -             -  refused x3",
        "    3 refused between 03:00 and 05:45",
        "    another crawl held the crawl state (pid 4242)",
        "    Scrapyd jobs job-0 to job-2",
        "2024-05-02 05:50     -  channel9.id  full=1       -           -             -  refused",
        "    another crawl held the crawl state (pid 4242)",
        "2024-05-03 01:00     -  channel9.id               -           -             -  refused x2",
        "    2 refused between 01:00 and 2024-05-04 00:30; another crawl held the crawl state"
        " (pid 99)",
    ]
    assert [json.loads(line)["run_id"] for line in told.stdout.splitlines()] == [
        "r0",
        "r1",
        "r2",
        "f",
        "n",
        "o",
    ]


HEADED = (
    "started (UTC)      took  site         arguments               new  re-emitted  failed pages"
    "  verdict"
)
"""The header of a table whose arguments were cut to fit 100 columns."""


def ran(arguments: dict[str, str], job: str, problem: str) -> Run:
    """A failed run of 2024-05-01 from 03:00 to 03:01 with ``arguments``."""
    return Run(
        run_id="1",
        started_at="2024-05-01T03:00:00+00:00",
        finished_at="2024-05-01T03:01:00+00:00",
        finish_reason="finished",
        output=None,
        report=None,
        problems=[problem],
        written=3,
        failed=0,
        site=SITE,
        arguments=arguments,
        job=job,
        reemitted=0,
    )


def test_control_characters_and_ansi_escapes_are_shown_not_obeyed() -> None:
    """A recorded string that a terminal would act on (colour, clear the screen, a line
    break that fakes a row) is written out as Python writes it in a string."""
    arguments = {"categories": "\x1b[31mopini\x1b[0m", "since": "2024-01-01\nok"}
    run = ran(arguments, "\x1b[2Jjob\r", "a reason\twith a tab\x07")

    shown = table([[run]])

    assert shown == [
        HEADED,
        "2024-05-01 03:00  1m00s  channel9.id  categories=\\x1b[31mop…    3           0"
        "             0  failed",
        "    a reason\\twith a tab\\x07",
        "    Scrapyd job \\x1b[2Jjob\\r",
        "    arguments categories=\\x1b[31mopini\\x1b[0m since=2024-01-01\\nok",
    ]


def on_screen(line: str) -> int:
    """The columns a terminal gives ``line``: 2 a wide (W) or full-width (F) character."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def test_a_table_of_wide_characters_fits_100_columns_on_screen() -> None:
    """Chinese, Japanese and Korean characters take two columns each: counted as
    characters, the table would run past the screen's edge."""
    down = "사이트가 응답하지 않음"  # "the site does not answer"
    run = ran({"categories": "新闻" * 30}, "ジョブ" * 20, f"{down} " * 8)

    shown = table([[run]])

    assert shown == [
        HEADED,
        "2024-05-01 03:00  1m00s  channel9.id  categories=新闻新闻新…    3           0"
        "             0  failed",
        "    " + " ".join([down] * 4),
        "      " + " ".join([down] * 4),
        "    Scrapyd job " + "ジョブ" * 14,
        "      " + "ジョブ" * 6,
        "    arguments categories=" + "新闻" * 18 + "新",
        "      闻" + "新闻" * 11,
    ]
    assert [on_screen(line) for line in shown] == [100, 99, 95, 97, 100, 42, 99, 52]


def test_an_unknown_option_is_named_as_the_other_commands_name_it(tmp_path: Path) -> None:
    done = runs(tmp_path, "--bogus")

    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        "scrapy runs: error: unknown option: --bogus\n",
    )
