"""The progress of ``scrapy dataset`` and ``scrapy extract`` over large inputs: a bar on a
terminal, nothing elsewhere.

Only the standard library and tqdm: the commands that use it are imported at every
start of Scrapy, a crawl's included, and must not bring the crawl's runtime along."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from typing import TYPE_CHECKING, NoReturn, TextIO, TypeVar

from tqdm import tqdm

if TYPE_CHECKING:
    from typing_extensions import Self

T = TypeVar("T")

SHOWN_AFTER = 2.0
"""Seconds before a bar shows: a small input draws none."""


class Meter:
    """The progress of a command through ``total`` (bytes when ``unit`` is ``B``), as a
    bar on ``stream`` (stderr: stdout may be the command's data) when it is a terminal.

    The bar (tqdm) shows once the work has taken :data:`SHOWN_AFTER` seconds and is gone
    when it ends. Off a terminal (a log, cron's mail), or with no ``stream``, the meter
    says nothing: cron mails whatever a command writes on stderr, and lines of progress
    would turn every successful build into a mail; the command's own summary says what
    was done."""

    def __init__(self, what: str, total: int, unit: str, stream: TextIO | None) -> None:
        self.what = what
        self.done = 0
        self.bar: tqdm[NoReturn] | None = None
        if stream is not None and stream.isatty():
            self.bar = tqdm(
                desc=what,
                total=total,
                unit=unit,
                unit_scale=unit == "B",
                file=stream,
                delay=SHOWN_AFTER,
                leave=False,
            )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def advance(self, amount: int) -> None:
        """``amount`` more of the total is done."""
        self.done += amount
        if self.bar is not None:
            self.bar.update(amount)

    def reach(self, done: int) -> None:
        """``done`` of the total is done (an offset in a file read from its start)."""
        self.advance(done - self.done)

    def then(self, what: str) -> None:
        """The next pass over the same total: its name on the bar, from 0 again."""
        self.what = what
        self.done = 0
        if self.bar is not None:
            self.bar.set_description_str(what, refresh=False)
            self.bar.reset()


def tracked(
    items: Iterable[T], total: int, what: str, unit: str, stream: TextIO | None
) -> Iterator[T]:
    """The items, one at a time, their progress shown by a :class:`Meter`."""
    with Meter(what, total, unit, stream) as meter:
        for item in items:
            yield item
            meter.advance(1)


def say(line: str, stream: TextIO) -> None:
    """Writes the line to ``stream`` in one write, a progress bar on it cleared first and
    drawn again after, so that the two do not run into each other. Off a terminal, where
    no bar is drawn, tqdm's lock is not taken: a signal that came while a process took it
    could leave it held."""
    with tqdm.external_write_mode(file=stream) if stream.isatty() else nullcontext():
        stream.write(line + "\n")
        stream.flush()


def counted(number: int, thing: str) -> str:
    """``number`` things, in words: "1 article", "2,345 articles"."""
    return f"{number:,} {thing}{'' if number == 1 else 's'}"
