"""The reference pages, written from the code when the manual is built (an MkDocs hook), so
that they cannot drift from it: the spider arguments from their model, the settings from
the add-on, the failure reasons from their vocabulary and the commands' options from the
commands themselves."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from dataclasses import MISSING, fields
from typing import TYPE_CHECKING

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from scrapy.commands import ScrapyCommand
from scrapy.settings import Settings

from channel9 import addon, reasons
from channel9.commands import dataset, extract, runs
from channel9.crawl import arguments
from channel9.paths import IN_DATA_DIR

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

GENERATED = "Generated from the code when the manual is built"
COMMANDS: dict[str, type[ScrapyCommand]] = {
    "dataset": dataset.Command,
    "extract": extract.Command,
    "runs": runs.Command,
}
"""The project's own commands (``scrapy crawl`` is Scrapy's, with its exit status)."""


def table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    """A Markdown table, its cells' ``|`` escaped."""
    lines = [header, tuple("---" for _ in header), *rows]
    return "\n".join(
        "| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines
    )


def shown(value: object) -> str:
    """A default as one writes it on the command line: ``0``/``1`` for a flag, a list
    comma-separated, *unset* for nothing."""
    if value is None or value == ():
        return "*unset*"
    if isinstance(value, bool):
        return f"`{int(value)}`"
    if isinstance(value, tuple):
        return f"`{','.join(map(str, value))}`"
    return f"`{value}`"


def arguments_page() -> str:
    """The spider's arguments (``-a name=value``), from
    :class:`channel9.crawl.arguments.Arguments`."""
    model = {argument.name: argument for argument in fields(arguments.Arguments)}
    rows = []
    for name in arguments.KNOWN:
        argument = model[name]
        default = argument.default if argument.default is not MISSING else None
        rows.append((f"`{name}`", shown(default), argument.metadata[arguments.MEANING]))
    return f"""# Spider arguments

{GENERATED} (`channel9/crawl/arguments.py`).

Each is given as `-a name=value` to `scrapy crawl channel9` (or as a `-d name=value` field
of a Scrapyd job). A flag takes `{"`, `".join(arguments.TRUE)}` or `{"`, `".join(arguments.FALSE)}`.

{table(("argument", "default", "meaning"), rows)}

Arguments are checked before anything starts: a bad value or an unknown argument ends the
command at once with one line saying which and why, exit status 2, nothing written.
Arguments starting with `_` (Scrapyd's `_job`) are left to Scrapy.
"""


def range_of(name: str, default: object) -> str:
    """The range the add-on holds a setting to; none for one that is no number.

    :class:`PluginError` (the build fails) for a number setting without its range: the
    add-on would take any value of it, and the page would say nothing."""
    if name in addon.NUMBERS:
        return addon.NUMBERS[name].said
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        raise PluginError(f"{name} is a number setting without its range in NUMBERS")
    return ""


def settings_page() -> str:
    """Every ``CHANNEL9_*`` setting, from :mod:`channel9.addon` (and the paths under the
    data folder from :mod:`channel9.paths`)."""
    rows = [
        (
            f"`{name}`",
            shown(setting.default),
            range_of(name, setting.default),
            setting.meaning,
        )
        for name, setting in addon.SETTINGS.items()
    ]
    rows += [
        (
            f"`{name}`",
            shown(f"<CHANNEL9_DATA_DIR>/{IN_DATA_DIR[name]}") if name in IN_DATA_DIR else "",
            "",
            meaning,
        )
        for name, meaning in addon.ELSEWHERE.items()
    ]
    return f"""# Settings

{GENERATED} (`channel9/addon.py`, `channel9/paths.py`).

Each is given as `-s NAME=VALUE` (or as a `-d setting=NAME=VALUE` field of a Scrapyd job,
or in a settings module). A value out of its range (not a number, negative, NaN or
infinite, a share past 1), a time zone that names none, or a `CHANNEL9_*` name the project
does not know stops the crawl before it starts (exit status 2).

{table(("setting", "default", "range", "meaning"), rows)}
"""


def failures_page() -> str:
    """The reasons a page fails for, from :mod:`channel9.failures`."""
    rows = [
        (
            f"`{reason}`",
            "yes" if str(reason) in reasons.PERMANENT else "",
            reasons.MEANINGS[reason],
        )
        for reason in reasons.Reason
    ]
    permanent = sorted(reasons.PERMANENT - {str(reason) for reason in reasons.Reason})
    return f"""# Failure reasons

{GENERATED} (`channel9/reasons.py`).

A page that fails is named with one of these reasons in the run report (`failed`), in the
crawl stats (`channel9/failed/<reason>`) and in the log (`Failed <url>: <reason>`).
`scrapy extract` names the pages it refuses with the same words.

A page that answered an HTTP error status fails as `http_<status>` (`http_404`,
`http_503`...). Asking again does not mend a reason marked *permanent* (nor
{" and ".join(f"`{reason}`" for reason in permanent)}): such a page is given up after
failing in `CHANNEL9_GIVE_UP_AFTER_RUNS` runs. The others are asked for again by the next
run.

{table(("reason", "permanent", "meaning"), rows)}
"""


def options_of(name: str, command: ScrapyCommand) -> list[tuple[str, str]]:
    """The options a command adds to those every Scrapy command takes, as its ``--help``
    says them: each option as it is written (``-o FILE, --output FILE``) and its help.

    They are read from the help argparse formats, the options Scrapy adds to every command
    being under a heading of their own ("Global Options")."""
    command.settings = Settings()
    parser = argparse.ArgumentParser(usage=f"scrapy {name} {command.syntax()}", add_help=False)
    command.add_options(parser)
    section = parser.format_help().split("\noptions:\n", 1)[1].split("\n\n", 1)[0]
    options: list[tuple[str, list[str]]] = []
    for line in section.splitlines():
        if line.startswith("  -"):
            written, _, said = line.strip().partition("  ")
            options.append((written, [said.strip()] if said else []))
        else:
            options[-1][1].append(line.strip())
    return [(written, unwrapped(lines)) for written, lines in options]


def unwrapped(lines: list[str]) -> str:
    """Help text argparse wrapped, as one line again (a word it broke after a hyphen, as
    in ``YYYY-MM-DD``, joined whole)."""
    text = ""
    for line in lines:
        broken = text[-2:-1].isalnum() and text.endswith("-")
        text += line if broken or not text else f" {line}"
    return text


def commands_page() -> str:
    """The project's commands and their options, from the commands' ``add_options``."""
    sections = []
    for name, kind in COMMANDS.items():
        command = kind()
        rows = [
            (", ".join(f"`{option}`" for option in written.split(", ")), said)
            for written, said in options_of(name, command)
        ]
        sections.append(
            f"## scrapy {name}\n\n{command.short_desc()}.\n\n"
            f"```sh\nscrapy {name} {command.syntax()}\n```\n\n"
            f"{table(('option', 'meaning'), rows)}\n"
        )
    body = "\n".join(sections)
    return f"""# Commands

{GENERATED} (`channel9/commands/`).

Besides `scrapy crawl channel9`, the project adds these commands to Scrapy's. Each also
takes Scrapy's global options (`-s NAME=VALUE`, `--logfile`, `-L`...; `scrapy <command>
--help` lists them).

{body}"""


PAGES: dict[str, Callable[[], str]] = {
    "reference/arguments.md": arguments_page,
    "reference/settings.md": settings_page,
    "reference/failures.md": failures_page,
    "reference/commands.md": commands_page,
}
"""The generated pages, by their path in the manual."""


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Adds the reference pages to the manual's files (MkDocs' ``on_files`` event)."""
    for path, page in PAGES.items():
        files.append(File.generated(config, path, content=page()))
    return files
