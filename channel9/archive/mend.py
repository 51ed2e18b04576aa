"""Mending the files a killed run left open: each cut back to its last whole record."""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path

from channel9.archive.reader import member_end
from channel9.archive.warc import OPEN, SUFFIX

logger = logging.getLogger(__name__)


def complete_length(path: Path) -> int:
    """The bytes of ``path`` up to the end of its last whole gzip member: a record cut
    off by a killed run ends before it (readers take such a record for whole)."""
    end = 0
    with path.open("rb") as file:
        while (after := member_end(file, end)) is not None:
            end = after
    return end


def mend(folder: Path) -> list[Path]:
    """Finishes the files that killed runs left open: a cut-off last record set aside
    into ``<file>.broken``, the file given its final name. Files another run still
    holds are left alone."""
    mended = []
    for opened in sorted(folder.glob(f"*{SUFFIX}{OPEN}")):
        with opened.open("r+b") as file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            size = opened.stat().st_size
            if not size:  # nothing to mend, or a run that has just created it
                continue
            end = complete_length(opened)
            final = opened.with_name(opened.name.removesuffix(OPEN))
            if end < size:
                file.seek(end)
                final.with_name(final.name + ".broken").write_bytes(file.read())
                file.truncate(end)
                logger.warning("Set aside the cut-off last record of %s (a killed run)", final)
            opened.replace(final)
        mended.append(final)
    return mended
