"""The manual's reference pages, generated from the code: every spider argument, setting,
failure reason and command option is in them, with its default and meaning."""

from __future__ import annotations

import re

from channel9 import addon, arguments
from channel9.failures import Reason
from docs.hooks import reference


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


def test_every_command_option_is_in_the_reference() -> None:
    page = reference.commands_page()

    assert [line for line in page.splitlines() if line.startswith("## ")] == [
        "## scrapy dataset",
        "## scrapy extract",
        "## scrapy runs",
    ]
    listed = rows(page)
    assert listed["--last N"] == ["the last N runs (default 10)"]
    assert listed["--json"] == ["one JSON object per run"]
    assert "-O FILE`, `--overwrite-output FILE" in listed
    assert "--site URL" in listed
    assert "-s NAME=VALUE" not in listed


def test_the_hook_writes_every_reference_page() -> None:
    assert sorted(reference.PAGES) == [
        "reference/arguments.md",
        "reference/commands.md",
        "reference/failures.md",
        "reference/settings.md",
    ]
