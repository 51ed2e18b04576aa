"""Project commands: ``scrapy crawl`` with an honest exit status and its verdict as the
last line of its log, ``scrapy dataset``, ``scrapy extract`` and ``scrapy runs``.

Each says a usage error in one line on stderr (``scrapy NAME: error: WHY``, exit status
2) and prints its ``--help`` as argparse does: see :func:`speak_plainly`."""

from __future__ import annotations

import argparse
from typing import NoReturn

from scrapy.exceptions import UsageError


def speak_plainly(parser: argparse.ArgumentParser, command: str) -> None:
    """Makes ``parser`` say a usage error in one line and print plain help.

    Scrapy's parser answers a bad option or a ``UsageError`` with the usage line under an
    underlined heading before the message, and its help formatter takes any help line
    that ends with a colon for a heading, title-cased and underlined: a person running
    the command from cron or a shell wants the one line that says what to change."""
    parser.prog = f"scrapy {command}"
    parser.formatter_class = argparse.HelpFormatter

    def error(message: str) -> NoReturn:
        parser.exit(2, f"{parser.prog}: error: {message}\n")

    # The instance's method, replaced as argparse's documentation invites a subclass to:
    # Scrapy builds the parser, so no subclass of ours can be.
    parser.error = error  # type: ignore[method-assign]


def refuse_options(args: list[str]) -> None:
    """Refuses an option the command does not know: Scrapy parses known options only and
    leaves the others among the arguments, where one would be taken for a file or a
    spider's name."""
    unknown = [arg for arg in args if arg.startswith("-") and arg != "-"]
    if unknown:
        raise UsageError(f"unknown option: {unknown[0]}")
