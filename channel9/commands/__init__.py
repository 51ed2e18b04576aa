"""Project commands: ``scrapy crawl`` with an honest exit status and its verdict as the
last line of its log, ``scrapy dataset``, ``scrapy extract`` and ``scrapy runs``.

Each says a usage error in one line on stderr (``scrapy NAME: error: WHY``, exit status
2): see :func:`say_errors_in_one_line`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from scrapy.exceptions import UsageError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


def say_errors_in_one_line(parser: argparse.ArgumentParser) -> None:
    """Makes ``parser`` say a usage error in one line, ``scrapy NAME: error: WHY``, and
    exit with status 2.

    Scrapy's parser prints the usage under an underlined heading before the message: a
    person running the command from cron or a shell wants the one line that says what to
    change. ``NAME`` is the command's, as Scrapy's usage line gives it (``scrapy NAME
    ...``)."""
    prog = " ".join((parser.usage or parser.prog).split()[:2])

    def error(message: str) -> NoReturn:
        parser.exit(2, f"{prog}: error: {message}\n")

    # argparse documents error() as the method to override; Scrapy builds the parser, so
    # the instance's is replaced. A command's UsageError comes here too: scrapy.cmdline
    # answers one with parser.error(message), as tests/test_inputs.py pins.
    parser.error = error  # type: ignore[method-assign]


def refuse_options(args: list[str]) -> None:
    """Refuses an option the command does not know, and takes a ``--`` out of ``args``.

    Scrapy parses known options only and leaves the others among the arguments, where
    one would be taken for a file or a spider's name; after ``--``, as argparse has it,
    everything is an argument, even one that begins with ``-`` (a file ``-old.jsonl``)."""
    end = args.index("--") if "--" in args else len(args)
    unknown = [arg for arg in args[:end] if arg.startswith("-") and arg != "-"]
    if unknown:
        raise UsageError(f"unknown option: {unknown[0]}")
    del args[end : end + 1]


def make_log_folder(settings: BaseSettings) -> str | None:
    """Makes the folder of the log file (``--logfile``, ``LOG_FILE``), if one is used; the
    log file's name.

    Scrapy opens the file when it makes its crawler process, after the command's options
    are read: a cron line's ``-s LOG_FILE=data/crawl.log`` on a fresh checkout has no
    ``data/`` yet, and would end in a traceback."""
    log_file: str | None = settings.get("LOG_FILE") if settings.getbool("LOG_ENABLED") else None
    if log_file:
        folder = Path(log_file).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = error.strerror or error
            raise UsageError(
                f"cannot start: the log file's folder {str(folder)!r} cannot be made: {reason}"
            ) from None
    return log_file
