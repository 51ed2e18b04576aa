"""The texts' sketches, made in worker processes while the build reads the run files.

A sketch costs about 0.3 ms an article, a large build's longest step, so from
:data:`POOL_FROM` bytes of run files on they are made in worker processes while the
build's own process reads the lines. A sketch is a function of the text alone: the same
in a worker as in the build's process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import TypeVar

POOL_FROM = 16 * 2**20
"""The bytes of run files (about 5,000 articles) from which worker processes sketch the
texts: starting one costs about a second."""
CHUNK = 250
"""Texts sent to a worker at a time: few enough that the ones in flight stay a few MB."""
WORKERS = 2
"""At most: each holds about 90 MB, and a build stays within 500 MB with two."""

Held = TypeVar("Held")
Read = TypeVar("Read")


class WorkerDied(Exception):
    """A worker process ended before its texts were read: killed, or out of memory."""


def worker_count() -> int:
    """The worker processes a large build starts: one per core, at most :data:`WORKERS`,
    none on a single core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    return min(cores, WORKERS) if cores > 1 else 0  # one worker on one core only adds work


def read_in_order(
    read: Callable[[list[str]], Read],
    chunks: Iterable[tuple[Held, list[str]]],
    workers: int,
) -> Iterator[tuple[Held, Read]]:
    """``read`` of each chunk's texts, beside what the chunk holds, in the chunks' order:
    in ``workers`` processes, or here with none.

    At most two chunks per worker are in flight, so that a large build's texts are never
    all in memory at once."""
    if workers < 1:
        for held, texts in chunks:
            yield held, read(texts)
        return
    # spawn, not fork: a fork of a process with threads may deadlock, and spawn is the
    # same on every platform.
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(workers, context, initializer=end_with_parent) as pool:
            pending: deque[tuple[Held, Future[Read]]] = deque()
            for held, texts in chunks:
                pending.append((held, pool.submit(read, texts)))
                if len(pending) >= 2 * workers:
                    done, future = pending.popleft()
                    yield done, future.result()
            while pending:
                done, future = pending.popleft()
                yield done, future.result()
    except BrokenProcessPool:
        raise WorkerDied(
            "a worker process reading the texts died (killed, or out of memory?)"
        ) from None


def end_with_parent() -> None:
    """Ends the worker when the build's process ends: a build killed or stopped by a
    signal does not wait for its workers, which would otherwise wait for work forever."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=exit_when_ready, args=(parent.sentinel,), daemon=True).start()


def exit_when_ready(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def chunked(items: Iterable[tuple[Held, str]]) -> Iterator[tuple[list[Held], list[str]]]:
    """The (held, text) pairs :data:`CHUNK` at a time: what the chunk holds, and its texts."""
    iterator = iter(items)
    while chunk := list(islice(iterator, CHUNK)):
        yield [held for held, _ in chunk], [text for _, text in chunk]
