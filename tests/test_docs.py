"""The manual's reference pages, generated from the code: every spider argument, setting,
failure reason and command option is in them, with its default and meaning."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files

from channel9 import addon
from channel9.crawl import arguments
from channel9.reasons import Reason
from docs.hooks import reference

ROOT = Path(__file__).resolve().parent.parent


def rows(page: str) -> dict[str, list[str]]:
    """A page's table rows by their first cell (without its backticks)."""
    found = {}
    for line in page.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            found[cells[0].strip("`")] = cells[1:]
    return found


def test_every_spider_argument_is_in_the_reference() -> None:
    listed = rows(reference.arguments_page())

    assert list(listed) == list(arguments.KNOWN)
    assert listed["full"] == [
        "`0`",
        "`1`: walk every listing again and re-emit the articles whose content changed",
    ]
    assert listed["discover"][0] == "`listings,feed,sitemap`"
    assert listed["max_pages"][0] == "*unset*"


def test_every_project_setting_is_in_the_reference() -> None:
    listed = rows(reference.settings_page())

    assert set(listed) == addon.KNOWN
    assert listed["CHANNEL9_DOWN_AFTER"] == [
        "`20`",
        "a whole number, 1 or more",
        "the run stops, failed, after this many requests in a row failed: the site looks down",
    ]
    assert listed["CHANNEL9_STATE"][:2] == ["`<CHANNEL9_DATA_DIR>/channel9-state.sqlite3`", ""]


def test_every_failure_reason_is_in_the_reference() -> None:
    page = reference.failures_page()
    listed = rows(page)

    assert list(listed) == [str(reason) for reason in Reason]
    assert listed["offsite"] == ["yes", "a redirect or a link to another host or port"]
    assert listed["timeout"][0] == ""
    assert "(nor\n`http_404` and `http_410`)" in page


def test_a_number_setting_without_its_range_fails_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(addon.SETTINGS, "CHANNEL9_NEW", addon.SETTINGS["CHANNEL9_DOWN_AFTER"])

    with pytest.raises(PluginError) as failed:
        reference.settings_page()
    assert str(failed.value) == "CHANNEL9_NEW is a number setting without its range in NUMBERS"


@pytest.mark.parametrize("columns", ["200", "50"])
def test_every_command_option_is_in_the_reference(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As ``--help`` says them, whatever the width of the terminal the manual is built in
    (argparse wraps the help to it)."""
    monkeypatch.setenv("COLUMNS", columns)
    page = reference.commands_page()

    assert [line for line in page.splitlines() if line.startswith("## ")] == [
        "## scrapy dataset",
        "## scrapy extract",
        "## scrapy runs",
    ]
    dataset, extract, runs = (rows(part) for part in page.split("\n## ")[1:])
    assert dataset["-o FILE`, `--output FILE"] == [
        "the dataset file to write, in the format its name ends in (.jsonl, .parquet, .csv);"
        " its card, plot and schema beside it (default dataset.jsonl)"
    ]
    assert dataset["--since DAY"] == ["the first publication day, as YYYY-MM-DD"]
    assert dataset["--category C"] == [
        "only articles in this category (label or slug); may be repeated"
    ]
    assert extract["-o FILE`, `--output FILE"] == ["append the articles to FILE (JSON Lines)"]
    assert list(extract) == [
        "-o FILE`, `--output FILE",
        "-O FILE`, `--overwrite-output FILE",
        "--site URL",
    ]
    assert list(runs) == ["--last N", "--json"]


def test_the_hook_adds_every_reference_page_to_the_manual() -> None:
    config = load_config(str(ROOT / "mkdocs.yml"))

    files = config.plugins.on_files(Files([]), config=config)

    assert sorted(file.src_uri for file in files) == [
        "reference/arguments.md",
        "reference/commands.md",
        "reference/failures.md",
        "reference/settings.md",
    ]
    for path, page in reference.PAGES.items():
        added = files.get_file_from_path(path)
        assert added is not None
        assert added.generated_by is not None
        assert added.content_string == page()
