"""Inputs that used to be taken silently (an empty argument, a misspelt or negative
setting, a dataset of days to come, a site that is down) are refused or named: one line
saying which and why, exit status 2, nothing created."""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_f_from_coro_f

from channel9 import addon
from channel9.addon import BadSetting, Channel9
from channel9.archive.warc import ArchiveUnusable
from channel9.crawl.arguments import Arguments, BadArgument
from tests.conftest import (
    SCRAPY,
    Crawl,
    built_lines,
    command_in_process,
    crawl,
    crawl_in_process,
    scrapy_command,
)
from tests.dataset.test_dataset import article, dataset, lines

HTTPCACHE = (
    "HTTPCACHE_ENABLED answers from the HTTP cache, so the archive would not hold the pages"
    " the crawl used: turn one of them off (CHANNEL9_ARCHIVE=)"
)


def assert_refused(run: Crawl, message: str) -> None:
    """Exit status 2, the one line saying why in the log (and the verdict), nothing
    created."""
    assert run.returncode == 2, run.log
    said = [line.split(" ERROR: ", 1)[-1] for line in run.log.splitlines() if "not start" in line]
    assert said == [
        f"The crawl cannot start: {message}",
        f"Verdict: could not start (exit status 2): {message}",
    ]
    assert "Traceback" not in run.log
    assert sorted(path.name for path in run.workdir.iterdir()) == []


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"full": ""}, "full='': give 1 or 0"),
        ({"full": " "}, "full=' ': give 1 or 0"),
        ({"discover": ""}, "discover='': name one or more of listings, feed, sitemap"),
        ({"categories": ""}, "categories='': name one or more category slugs, comma-separated"),
        ({"categories": ","}, "categories=',': name one or more category slugs, comma-separated"),
        (
            {"categories": " , ,"},
            "categories=' , ,': name one or more category slugs, comma-separated",
        ),
        ({"max_pages": ""}, "max_pages='' is not a whole number of pages, 1 or more"),
        ({"since": ""}, "since='' is not a day as YYYY-MM-DD"),
        ({"replay": ""}, "replay='': name the archive's folder or one of its files"),
        ({"replay": " "}, "replay=' ': name the archive's folder or one of its files"),
    ],
)
def test_an_empty_argument_is_refused(given: dict[str, str], message: str) -> None:
    with pytest.raises(BadArgument) as refused:
        Arguments.parse(given)
    assert str(refused.value) == message


def test_arguments_left_out_keep_their_defaults() -> None:
    assert Arguments.parse({}) == Arguments()
    assert Arguments.parse({"full": "0", "categories": "opini,"}) == Arguments(
        categories=("opini",)
    )


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("full=", "full='': give 1 or 0"),
        ("discover=", "discover='': name one or more of listings, feed, sitemap"),
        ("categories=,", "categories=',': name one or more category slugs, comma-separated"),
        ("replay=", "replay='': name the archive's folder or one of its files"),
    ],
)
def test_an_empty_argument_stops_the_crawl_before_anything_is_written(
    argument: str, message: str, base_url: str, tmp_path: Path
) -> None:
    done = command_in_process(
        tmp_path, "crawl", "channel9", "-a", f"base_url={base_url}", "-a", argument, refused=True
    )

    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        f"scrapy crawl: error: cannot start: {message}\n",
    )
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["dataset", "--since", "2022-13-01"],
            "scrapy dataset: error: --since 2022-13-01 is not a day (YYYY-MM-DD)",
        ),
        (["dataset", "--sinse", "2022-12-01"], "scrapy dataset: error: unknown option: --sinse"),
        (["dataset", "-s", "LOG"], "scrapy dataset: error: Invalid -s value, use -s NAME=VALUE"),
        (
            ["extract", "--bogus", "data"],
            "scrapy extract: error: not a SOURCE, nor an option of this command: '--bogus'",
        ),
        (
            ["extract", "-o", "a.jsonl", "-O", "b.jsonl", "data"],
            "scrapy extract: error: give -o (append) or -O (overwrite), not both",
        ),
        (["runs", "--last", "x"], "scrapy runs: error: argument --last: invalid int value: 'x'"),
        (["runs", "--last", "0"], "scrapy runs: error: --last must be 1 or more"),
        (
            ["crawl", "channel9", "-a", "since=2022-13-01"],
            "scrapy crawl: error: cannot start: since='2022-13-01' is not a day as YYYY-MM-DD",
        ),
        (
            ["crawl", "channel9", "-a", "categoris=opini"],
            "scrapy crawl: error: cannot start: unknown argument 'categoris': the spider takes"
            " base_url, categories, max_pages, since, full, replay, discover and check",
        ),
        (["crawl", "channel9", "--bogus"], "scrapy crawl: error: unknown option: --bogus"),
        (["crawl"], "scrapy crawl: error: give one spider name: scrapy crawl channel9"),
    ],
)
def test_a_bad_option_or_argument_is_said_in_one_line(
    args: list[str], error: str, tmp_path: Path
) -> None:
    """No banner, no usage: the line that says what to change, exit status 2."""
    # scrapy extract refuses its sources once Scrapy made its crawler process.
    done = command_in_process(tmp_path, *args, refused=args[0] != "extract")

    assert (done.returncode, done.stdout, done.stderr) == (2, "", error + "\n")
    assert sorted(tmp_path.iterdir()) == []


def test_a_bad_argument_ends_a_log_file_with_the_verdict(tmp_path: Path) -> None:
    """A Scrapyd job's log is a file, read where stderr is not seen."""
    done = scrapy_command(tmp_path, "crawl", "channel9", "-a", "full=2", "--logfile", "run.log")

    assert (done.returncode, done.stderr) == (
        2,
        "scrapy crawl: error: cannot start: full='2': give 1 or 0\n",
    )
    said = [
        line.split(" ERROR: ", 1)[1] for line in (tmp_path / "run.log").read_text().splitlines()
    ]
    assert said == [
        "The crawl cannot start: full='2': give 1 or 0",
        "Verdict: could not start (exit status 2): full='2': give 1 or 0",
    ]


@pytest.mark.parametrize(
    ("name", "options"),
    [
        (
            "dataset",
            ["--output", "--since", "--until", "--category", "--revisions", "--allow-missing"],
        ),
        ("extract", ["--output", "--overwrite-output", "--site"]),
        ("runs", ["--last", "--json"]),
        ("crawl", ["-a NAME=VALUE", "--output", "--overwrite-output"]),
    ],
)
def test_help_has_scrapys_headings_alone_and_names_every_option(
    name: str, options: list[str], tmp_path: Path
) -> None:
    """Scrapy's help formatter underlines a help line that ends with a colon as a heading:
    the only headings are Scrapy's own, and no word of an option's help ends with one,
    so that no width of the terminal wraps it into a heading."""
    done = command_in_process(tmp_path, name, "--help")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    headings = [lines[at - 1] for at, line in enumerate(lines) if line and set(line) <= {"=", "-"}]
    assert headings == ["Usage", "Options", "Global Options"]
    assert lines[2].startswith(f"  scrapy {name} ")
    own = lines[lines.index("Options") + 2 : lines.index("Global Options")]
    assert [line for line in own if re.search(r"\S:(\s|$)", line)] == []
    described = [line for line in own if line.startswith("  -")]
    assert [option for option in options if not any(option in line for line in described)] == []


def update(settings: dict[str, Any]) -> Settings:
    """The project's settings as its add-on leaves them, over ``settings``."""
    given = Settings()
    given.setdict(settings, priority="cmdline")
    Channel9().update_settings(given)
    return given


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "CHANNEL9_DATA_DIRR",
            "unknown setting CHANNEL9_DATA_DIRR: did you mean CHANNEL9_DATA_DIR?",
        ),
        ("CHANNEL9_STAT", "unknown setting CHANNEL9_STAT: did you mean CHANNEL9_STATE?"),
        (
            "channel9_archive",
            "unknown setting channel9_archive: did you mean CHANNEL9_ARCHIVE?",
        ),
        (
            "CHANNEL9_COLOUR",
            "unknown setting CHANNEL9_COLOUR: not one of the project's settings"
            " (see channel9/defaults.py and channel9/paths.py)",
        ),
    ],
)
def test_an_unknown_project_setting_is_refused(name: str, message: str) -> None:
    with pytest.raises(BadSetting) as refused:
        update({name: "x"})
    assert str(refused.value) == message


def test_every_project_setting_is_known() -> None:
    known = {
        **addon.DEFAULTS,
        "CHANNEL9_OUTPUT": "o.jsonl",
        "CHANNEL9_STATE": "",
        "CHANNEL9_ARCHIVE": "",
        "CHANNEL9_REPLAY": "data",
    }
    settings = update(known)

    assert {name: settings[name] for name in known} == known


def test_the_new_settings_have_their_defaults() -> None:
    settings = update({})

    assert settings.getint("CHANNEL9_REPEATED_PAGES") == 3
    assert settings.getint("CHANNEL9_DOWN_AFTER") == 20


def test_every_number_setting_has_its_range() -> None:
    numbers = {name for name, value in addon.DEFAULTS.items() if isinstance(value, (int, float))}
    assert set(addon.NUMBERS) == numbers


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CHANNEL9_MAX_FAILED_SHARE", "-0.1", "is not a share from 0 to 1"),
        ("CHANNEL9_MAX_FAILED_SHARE", "1.5", "is not a share from 0 to 1"),
        ("CHANNEL9_MIN_COMPLETE_SHARE", "nan", "is not a share from 0 to 1"),
        ("CHANNEL9_FIELD_DROP_CHANCE", "2", "is not a share from 0 to 1"),
        ("CHANNEL9_FIELD_MOST", "inf", "is not a share from 0 to 1"),
        ("CHANNEL9_FIELD_FEW", "-1", "is not a share from 0 to 1"),
        ("CHANNEL9_MAX_NOT_ARTICLE_SHARE", "-inf", "is not a share from 0 to 1"),
        ("CHANNEL9_OVERLAP_PAGES", "-1", "is not a whole number, 0 or more"),
        ("CHANNEL9_GIVE_UP_AFTER_RUNS", "1.5", "is not a whole number, 0 or more"),
        ("CHANNEL9_CONTENT_RETRIES", "1e3", "is not a whole number, 0 or more"),
        ("CHANNEL9_QUALITY_MIN_ITEMS", "inf", "is not a whole number, 0 or more"),
        ("CHANNEL9_ARCHIVE_MAX_BYTES", "0", "is not a whole number, 1 or more"),
        ("CHANNEL9_REPEATED_PAGES", "0", "is not a whole number, 1 or more"),
        ("CHANNEL9_DOWN_AFTER", "-20", "is not a whole number, 1 or more"),
        ("CHANNEL9_BACKOFF_BASE", "-0.5", "is not a number of seconds, 0 or more"),
        ("CHANNEL9_MAX_BACKOFF", "nan", "is not a number of seconds, 0 or more"),
        ("CHANNEL9_MAX_BACKOFF", "inf", "is not a number of seconds, 0 or more"),
        ("CHANNEL9_MAX_BACKOFF", "abc", "is not a number"),
        ("CHANNEL9_DOWN_AFTER", "", "is not a number"),
    ],
)
def test_a_number_setting_out_of_its_range_is_refused(name: str, value: str, message: str) -> None:
    with pytest.raises(BadSetting) as refused:
        update({name: value})
    assert str(refused.value) == f"{name}={value!r} {message}"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CHANNEL9_MAX_FAILED_SHARE", "0"),
        ("CHANNEL9_MIN_COMPLETE_SHARE", "1"),
        ("CHANNEL9_OVERLAP_PAGES", "0"),
        ("CHANNEL9_CONTENT_RETRIES", 0),
        ("CHANNEL9_ARCHIVE_MAX_BYTES", "1"),
        ("CHANNEL9_MAX_BACKOFF", "0"),
        ("CHANNEL9_BACKOFF_BASE", 0.01),
    ],
)
def test_a_number_setting_at_the_edge_of_its_range_is_taken(name: str, value: str | float) -> None:
    settings = update({name: value})

    assert settings.getfloat(name) == float(value)


def test_a_bad_setting_stops_the_crawl_before_anything_is_written(
    base_url: str, tmp_path: Path
) -> None:
    assert_refused(crawl(tmp_path, base_url, "-s", "HTTPCACHE_ENABLED=1"), HTTPCACHE)


def test_the_http_cache_is_refused_with_an_archive_only() -> None:
    with pytest.raises(ArchiveUnusable) as refused:
        update({"HTTPCACHE_ENABLED": "1"})
    assert str(refused.value) == HTTPCACHE

    update({"HTTPCACHE_ENABLED": "1", "CHANNEL9_ARCHIVE": ""})
    update({"HTTPCACHE_ENABLED": "1", "CHANNEL9_REPLAY": "data"})


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A run file and the dataset built from it, without a crawl state."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data/channel9-1.jsonl").write_bytes(lines(article("a"), article("b", None)))
    done = dataset(tmp_path, "-o", "ds.jsonl", "-s", "CHANNEL9_STATE=")
    assert done.returncode == 0, done.stderr
    return tmp_path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--since", "2999-01-01"],
            "--since 2999-01-01 is after today: the dataset would be empty",
        ),
        (
            ["--since", "2999-01-01", "--until", "2999-12-31"],
            "--since 2999-01-01 is after today: the dataset would be empty",
        ),
        (
            ["--since", "2024-06-01", "--until", "2024-05-01"],
            "--since 2024-06-01 is after --until 2024-05-01",
        ),
        (
            ["-s", "CHANNEL9_DATA_DIRR=data"],
            "unknown setting CHANNEL9_DATA_DIRR: did you mean CHANNEL9_DATA_DIR?",
        ),
    ],
)
def test_a_dataset_that_would_be_empty_or_read_elsewhere_is_refused(
    built: Path, args: list[str], message: str
) -> None:
    good = (built / "ds.jsonl").read_bytes()

    done = dataset(built, "-o", "ds.jsonl", "-s", "CHANNEL9_STATE=", *args)

    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == f"scrapy dataset: error: {message}"
    assert (built / "ds.jsonl").read_bytes() == good


def test_after_a_double_dash_every_argument_is_a_file(tmp_path: Path) -> None:
    """``--`` ends the options, as on any command line: a run file named ``-old.jsonl``
    is read; an unknown option before it is still refused."""
    (tmp_path / "-old.jsonl").write_bytes(lines(article("a")))

    done = dataset(tmp_path, "-o", "ds.jsonl", "-s", "CHANNEL9_STATE=", "--", "-old.jsonl")
    wrong = dataset(tmp_path, "--sinse", "2024-01-01", "--", "-old.jsonl")

    assert done.returncode == 0, done.stderr
    assert built_lines(tmp_path / "ds.jsonl") == lines(article("a"))
    # The card's command builds the dataset again as written.
    assert (
        "`scrapy dataset -s CHANNEL9_STATE= -o ds.jsonl -- -old.jsonl`"
        in (tmp_path / "ds.md").read_text()
    )
    assert (wrong.returncode, wrong.stderr) == (
        2,
        "scrapy dataset: error: unknown option: --sinse\n",
    )


def closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@deferred_f_from_coro_f
async def test_a_site_that_is_down_is_named_unreachable_not_disallowed(tmp_path: Path) -> None:
    port = closed_port()

    run = await crawl_in_process(tmp_path, f"http://127.0.0.1:{port}", "-s", "CHANNEL9_STATE=")

    assert run.returncode == 1, run.log
    assert (
        "ERROR: the site could not be reached (connection_refused), so robots.txt could not"
        f" be fetched: treating 127.0.0.1:{port} as disallowed for this run (RFC 9309)"
    ) in run.log
    assert "'channel9/site_unreachable/connection_refused': 1," in run.log
    assert "'channel9/robots_unavailable': 1," in run.log


@deferred_f_from_coro_f
async def test_a_site_whose_tls_fails_is_named_unreachable(base_url: str, tmp_path: Path) -> None:
    """The fake site speaks plain HTTP: a TLS handshake with it fails."""
    tls = base_url.replace("http://", "https://")

    run = await crawl_in_process(tmp_path, tls, "-s", "CHANNEL9_STATE=", "-s", "RETRY_TIMES=0")

    assert run.returncode == 1, run.log
    assert "ERROR: the site could not be reached (tls_error), so robots.txt could not" in run.log
    assert "'channel9/site_unreachable/tls_error': 1," in run.log


def test_a_time_zone_that_names_none_is_refused() -> None:
    with pytest.raises(BadSetting) as refused:
        update({"CHANNEL9_TIMEZONE": "Mars/Olympus"})
    assert str(refused.value) == (
        "CHANNEL9_TIMEZONE='Mars/Olympus' is not a time zone (an IANA name, such as Asia/Jakarta)"
    )


def test_the_deploy_target_for_another_host_reads_as_its_comment_says(tmp_path: Path) -> None:
    """The example in scrapy.cfg's comment, written out, is a target scrapyd-deploy takes."""
    config = (Path(__file__).parent.parent.parent / "scrapy.cfg").read_text(encoding="utf-8")
    example = [line[4:] for line in config.splitlines() if line.startswith("#   ")]
    (tmp_path / "scrapy.cfg").write_text(
        config + "\n".join(line for line in example if "scrapyd-deploy" not in line) + "\n",
        encoding="utf-8",
    )

    done = subprocess.run(
        [Path(SCRAPY).with_name("scrapyd-client"), "targets"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        *("default", "http://127.0.0.1:6800/"),
        *("production", "http://scrapyd.example.org:6800/"),
    ]
    assert "scrapyd-deploy production" in example


@pytest.mark.parametrize(
    "base_url",
    ["http://reader:s3cret@127.0.0.1:9", "https://reader@channel9.id", "http://:s3cret@[::1"],
)
def test_a_site_address_with_a_user_or_password_is_refused_without_echoing_it(
    base_url: str, tmp_path: Path
) -> None:
    """The log, the archive and the run records would keep the password."""
    done = command_in_process(
        tmp_path, "crawl", "channel9", "-a", f"base_url={base_url}", refused=True
    )

    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        "scrapy crawl: error: cannot start: base_url gives a user name or password before its"
        " host (user:password@): give the site's address without them\n",
    )
    assert sorted(tmp_path.iterdir()) == []


INTERVAL = "is not 0 (no lines) or a number of seconds, 1 or more"


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("CHANNEL9_PROGRESS_INTERVAL=-1", f"CHANNEL9_PROGRESS_INTERVAL='-1' {INTERVAL}"),
        ("CHANNEL9_PROGRESS_INTERVAL=1e-9", f"CHANNEL9_PROGRESS_INTERVAL='1e-9' {INTERVAL}"),
        ("CHANNEL9_PROGRESS_INTERVAL=nan", f"CHANNEL9_PROGRESS_INTERVAL='nan' {INTERVAL}"),
        ("CHANNEL9_PROGRESS_INTERVAL=abc", "CHANNEL9_PROGRESS_INTERVAL='abc' is not a number"),
        ("CHANNEL9_MAX_BACKOFF=", "CHANNEL9_MAX_BACKOFF='' is not a number"),
        (
            "CHANNEL9_OVERLAP_PAGES=-1",
            "CHANNEL9_OVERLAP_PAGES='-1' is not a whole number, 0 or more",
        ),
        (
            "CHANNEL9_GC_THRESHOLD=3000000000",
            "CHANNEL9_GC_THRESHOLD='3000000000' is not 0 (Python's own) or a whole number from"
            " 1 to 1,000,000",
        ),
        (
            "CHANNEL9_DATA_DIRR=elsewhere",
            "unknown setting CHANNEL9_DATA_DIRR: did you mean CHANNEL9_DATA_DIR?",
        ),
        (
            "CHANNEL9_TIMEZONE=Mars/Olympus",
            "CHANNEL9_TIMEZONE='Mars/Olympus' is not a time zone (an IANA name, such as"
            " Asia/Jakarta)",
        ),
    ],
)
def test_a_bad_project_setting_is_said_in_one_line_before_the_banner(
    setting: str, message: str, tmp_path: Path
) -> None:
    """The add-on's checks, made by the crawl command before Scrapy logs anything."""
    done = command_in_process(tmp_path, "crawl", "channel9", "-s", setting, refused=True)

    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        f"scrapy crawl: error: cannot start: {message}\n",
    )
    assert sorted(tmp_path.iterdir()) == []


def test_an_unknown_spider_is_said_in_one_line(tmp_path: Path) -> None:
    done = command_in_process(tmp_path, "crawl", "nosuch", refused=True)

    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        "scrapy crawl: error: cannot start: no spider 'nosuch': the project has channel9\n",
    )
    assert sorted(tmp_path.iterdir()) == []


def test_the_log_files_folder_is_made_on_a_fresh_checkout(base_url: str, tmp_path: Path) -> None:
    """The cron line's ``-s LOG_FILE=data/crawl.log`` before a first crawl made data/."""
    done = crawl(tmp_path, base_url, "-s", "LOG_FILE=data/crawl.log")

    assert (done.returncode, done.log) == (0, "")
    log = (tmp_path / "data/crawl.log").read_text(encoding="utf-8").splitlines()
    assert "Verdict: ok (exit status 0): " in log[-1]


def test_a_log_file_whose_folder_cannot_be_made_is_said_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the folder would go", encoding="utf-8")

    done = scrapy_command(tmp_path, "crawl", "channel9", "-s", "LOG_FILE=data/logs/crawl.log")

    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        "scrapy crawl: error: cannot start: the log file's folder 'data/logs' cannot be made:"
        " Not a directory\n",
    )
