"""Reading WARC files that may be damaged: the records their digests vouch for, and every
stretch that is not whole records named, by file and offset."""

from __future__ import annotations

import logging
import os
import re
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

from fastwarc.stream_io import GzipReader
from fastwarc.warc import (
    ArchiveIterator,
    WarcRecord,
    WarcRecordType,
    has_block_digest,
    has_payload_digest,
)
from isal import isal_zlib

logger = logging.getLogger(__name__)

GZIP_MEMBER = b"\x1f\x8b\x08"
"""How a gzip member begins (its magic number, then deflate): where a replay may read on
after damage, each record being a member of its own."""
GZIP_WBITS = 31
"""zlib's ``wbits`` of a gzip member, header and trailer included."""
MAX_HEADER = 32 << 10
"""The longest WARC header FastWARC reads (its ``max_header_len``)."""
WARC_VERSION = b"WARC/"
"""How a WARC record begins (its version line), once ungzipped."""
RECORD_END = b"\r\n\r\n"
"""What ends a WARC record's header, and the record after its block."""
CONTENT_LENGTH = re.compile(
    rb"(?:^|\r\n)Content-Length:[ \t]*([0-9]+)[ \t]*(?:\r\n|$)", re.IGNORECASE
)
"""A WARC header's ``Content-Length`` field: the bytes of the record's block."""
CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Bytes that no WARC header holds: NULs where a stretch was zeroed, say."""
CHUNK = 1 << 20
"""How much of a file is unpacked, or searched, at a time: a gzip bomb takes no memory."""
READ = 64 << 10
"""How much of a gzip member is read at a time as it is checked: a record of an article page
of a theme's weight is about 40 KB gzipped, so most are read in one step (reading a
megabyte for each made the check of such an archive three times slower)."""
OPTIONAL_FIELDS = 0x02 | 0x04 | 0x08 | 0x10
"""The flags of a gzip header's optional fields: its checksum, an extra field, a file name,
a comment."""
GZIP_ERROR = cast("type[Exception]", isal_zlib.error)
"""What ISA-L raises at bytes that are no gzip member (its stubs call the class a value)."""


def readable_responses(
    path: Path, damaged: list[dict[str, object]], checked: Checked | None = None
) -> Iterator[WarcRecord]:
    """The response records of a WARC file that its digests vouch for, their HTTP headers
    parsed; each damaged record or stretch met instead is logged and added to
    ``damaged``: its ``file``, byte ``offset`` and ``why``, one per offset, in file order.
    ``checked`` is told how far the damage is looked for, before the first record.

    The reader alone can stop early without an error (at a last gzip member cut short, a
    header cut a few bytes in) or take a garbled header for a record of some other type:
    every stretch that is not whole records (see :func:`damaged_stretches`) is named
    before any record is given, and no record that begins at one is given. A gzipped
    file (``.gz``) is read on from the next whole gzip member after damage (bytes
    appended, a member garbled), each record being one; an uncompressed file from the
    end of a damaged record, as long as its end can be told."""
    first = len(damaged)
    for damage in damaged_stretches(path, checked):
        _tell(damaged, first, damage)
    unread = {damage["offset"] for damage in damaged[first:]}
    gzipped = _is_gzipped(path)
    # Every gzip member whole: their checksums vouch for each record of the file.
    checksummed = gzipped and not unread
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        start: int | None = 0
        while start is not None and start < size:
            begin, start = start, None
            file.seek(begin)
            reader = GzipReader(file) if gzipped else file
            last: WarcRecord | None = None  # uncompressed, damage begins past its end
            try:
                # Detecting the stream, FastWARC would give the first record the next
                # member's stream_pos.
                for last in ArchiveIterator(reader, parse_http=False, stream_detect=not gzipped):
                    if last.record_type != WarcRecordType.response:
                        continue
                    why = _unvouched(last, checksummed)
                    if why:
                        _tell(damaged, first, damage_at(path, last.stream_pos, why))
                    elif last.stream_pos not in unread:  # else its header is garbled
                        yield last
            except OSError as error:
                if isinstance(reader, GzipReader):
                    offset = reader.frame_start_position() or begin
                    start = next_member(file, offset)
                else:
                    after = _plain_end(file, last.stream_pos, size) if last else begin
                    offset = begin if after is None else after
                    start = None if after is None else _plain_end(file, offset, size)
                _tell(damaged, first, damage_at(path, offset, str(error)))
                logger.warning(
                    "%s: %s",
                    path,
                    "nothing readable after it" if start is None else f"read on at byte {start}",
                )
            else:
                read_to = begin if last is None else last.stream_pos
                start = after_empty_member(file, read_to, size) if gzipped else None
                if start is not None:
                    logger.info("%s: read on past an empty gzip member, at byte %d", path, start)


def _is_gzipped(path: Path) -> bool:
    """Whether a WARC file is gzipped, by its name (``.gz`` in any case)."""
    return path.name.lower().endswith(".gz")


def _tell(damaged: list[dict[str, object]], first: int, damage: dict[str, object]) -> None:
    """Adds a damage of the file whose damages begin at ``first`` in ``damaged``, in file
    order, and logs it; the reader's why replaces a stretch's at the same offset (it
    says more)."""
    offset = cast("int", damage["offset"])
    logger.warning(
        "Skipped a damaged archive record or stretch: %s at byte %d (%s)",
        damage["file"],
        offset,
        damage["why"],
    )
    for at in range(first, len(damaged)):
        told = cast("int", damaged[at]["offset"])
        if told == offset:
            damaged[at] = damage
            return
        if told > offset:
            damaged.insert(at, damage)
            return
    damaged.append(damage)


def _plain_end(file: BinaryIO, offset: int, size: int) -> int | None:
    """Where the record of an uncompressed file that begins at ``offset`` ends, if that
    can be told."""
    try:
        return record_end(file, offset, header_at(file, offset), size)
    except NotWhole:
        return None


def _unvouched(record: WarcRecord, checksummed: bool) -> str | None:
    """Why the record's digests do not vouch for it, if they do not (its HTTP headers are
    parsed on the way): one cut short or altered is not to be replayed.

    WARC makes digests optional: where every gzip member of the file is whole
    (``checksummed``: their checksums are checked before any record is given), they vouch
    for a record without one. Not in a file with a damaged stretch (a member may hold
    several records, cut short in it), nor in an uncompressed file."""
    if not has_block_digest(record):
        if not checksummed:
            return "no digest to check it by (nor whole gzip members' checksums)"
    elif not record.verify_block_digest():
        return "its block digest does not match it"
    if record.is_http:
        record.parse_http()
    if has_payload_digest(record) and not record.verify_payload_digest():
        return "its payload digest does not match it"
    return None


def damage_at(path: Path, offset: int, why: str) -> dict[str, object]:
    """A damaged record or stretch of a WARC file, as :func:`readable_responses` tells
    one: the report and ``scrapy extract`` name it so."""
    return {"file": str(path), "offset": offset, "why": why}


Checked = Callable[[int], object]
"""Told the offset up to which a file is checked, as the check goes (a progress meter)."""


def damaged_stretches(path: Path, checked: Checked | None = None) -> list[dict[str, object]]:
    """Each stretch of a WARC file that is not whole records, as a damage.

    The gzip members, or the records of an uncompressed file, must follow one another
    from its first byte to its last: what the reader passes over silently is found so."""
    with path.open("rb") as file:
        size = os.fstat(file.fileno()).st_size
        gzipped = _is_gzipped(path)
        stretches = (gzip_stretches if gzipped else record_stretches)(file, size, checked)
        return [damage_at(path, offset, why) for offset, why in stretches]


def gzip_stretches(
    file: BinaryIO, size: int, checked: Checked | None = None
) -> Iterator[tuple[int, str]]:
    """Where each stretch of a gzipped file that is no whole gzip member begins, and why.

    One cut short (the file cut off, a killed writer's last record), garbled, or bytes
    past the last member: the reader ends at the first without a word."""
    for start, member, following in gzip_members(file, 0, size):
        if member is None:
            yield start, "not a whole gzip member (cut short or garbled)"
        if checked is not None:
            checked(size if following is None else following)


def after_empty_member(file: BinaryIO, offset: int, size: int) -> int | None:
    """Where the first empty gzip member from ``offset`` on ends, if one does before the
    file's end.

    Valid gzip, but FastWARC's reader can end at one without a word: the records after it
    are read on from there (a damaged stretch on the way is named already)."""
    for _, member, following in gzip_members(file, offset, size):
        if member is not None and member[1] == 0:
            return following if following is not None and following < size else None
    return None


def gzip_members(
    file: BinaryIO, offset: int, size: int
) -> Iterator[tuple[int, tuple[int, int] | None, int | None]]:
    """The gzip members of a file from ``offset`` on, one step at a time: where the step
    begins, the member there (where it ends, how many bytes it holds unpacked) or none
    where no whole member begins, and where the next step begins (none: no further)."""
    position: int | None = offset
    while position is not None and position < size:
        member = member_at(file, position)
        following = next_member(file, position) if member is None else member[0]
        yield position, member, following
        position = following


def member_end(file: BinaryIO, offset: int) -> int | None:
    """Where the gzip member that begins at ``offset`` ends, if it is whole."""
    member = member_at(file, offset)
    return None if member is None else member[0]


def member_at(file: BinaryIO, offset: int) -> tuple[int, int] | None:
    """Where the gzip member that begins at ``offset`` ends and how many bytes it holds
    unpacked, if it is whole.

    Its checksum must be right; it is unpacked a chunk at a time, so that a gzip bomb
    takes no memory, by ISA-L (2.5 times faster than zlib). A header with optional
    fields (a file name, an extra field, its own checksum) longer than a read is more than
    ISA-L takes in pieces: zlib checks such a member again where ISA-L rejects it."""
    found = _unpacked(file, offset, isal_zlib.decompressobj, GZIP_ERROR)
    if found is None and _has_optional_fields(file, offset):
        found = _unpacked(file, offset, zlib.decompressobj, zlib.error)
    return found


def _has_optional_fields(file: BinaryIO, offset: int) -> bool:
    file.seek(offset)
    header = file.read(4)
    return len(header) == 4 and bool(header[3] & OPTIONAL_FIELDS)


def _unpacked(
    file: BinaryIO,
    offset: int,
    unpacker: Callable[..., Any],
    error: type[Exception],
) -> tuple[int, int] | None:
    file.seek(offset)
    member = unpacker(wbits=GZIP_WBITS)
    read = unpacked = 0
    data = b""
    try:
        while not member.eof:
            if not data:
                data = file.read(READ)
                if not data:
                    return None
                read += len(data)
            unpacked += len(member.decompress(data, CHUNK))
            data = member.unconsumed_tail
    except error:
        return None
    return offset + read - len(member.unused_data), unpacked


def next_member(file: BinaryIO, offset: int) -> int | None:
    """Where the first whole gzip member after ``offset`` begins, if one does.

    The bytes of its magic number can also occur inside damaged data: the member found
    must be whole."""
    position = offset + 1
    while True:
        file.seek(position)
        chunk = file.read(CHUNK)
        found = chunk.find(GZIP_MEMBER)
        if found >= 0:
            if member_end(file, position + found) is not None:
                return position + found
            position += found + 1
        elif len(chunk) < CHUNK:
            return None
        else:  # the magic number may straddle the chunks
            position += len(chunk) - len(GZIP_MEMBER) + 1


def record_stretches(
    file: BinaryIO, size: int, checked: Checked | None = None
) -> Iterator[tuple[int, str]]:
    """Where each record of an uncompressed file that is not whole, or whose header is
    not text, begins, and why.

    Past a record whose end cannot be told, nothing more is: the next record's start is
    unknown."""
    offset = 0
    while offset < size:
        try:
            header = header_at(file, offset)
            end = record_end(file, offset, header, size)
        except NotWhole as error:
            yield offset, str(error)
            return
        if CONTROL.search(header):
            yield offset, "malformed record: its header holds control bytes (zeroed?)"
        offset = end
        if checked is not None:
            checked(offset)


class NotWhole(Exception):
    """Why the end of a record of an uncompressed file cannot be told."""


def record_end(file: BinaryIO, offset: int, header: bytes, size: int) -> int:
    """Where the record that begins at ``offset``, with this ``header``, ends.

    Past its block and the blank line after it, which must be there: a ``Content-Length``
    that is wrong, or a file cut inside the record, raises :class:`NotWhole`."""
    length = CONTENT_LENGTH.search(header)
    if length is None:
        raise NotWhole("malformed record: no Content-Length")
    end = offset + len(header) + int(length[1]) + 2 * len(RECORD_END)
    file.seek(end - len(RECORD_END))
    if file.read(len(RECORD_END)) == RECORD_END:
        return end
    if end > size:
        raise NotWhole("cut short: the file ends inside it")
    raise NotWhole("it does not end where its Content-Length says")


def header_at(file: BinaryIO, offset: int) -> bytes:
    """The header of the WARC record that begins at ``offset``, without the blank line
    that ends it.

    :class:`NotWhole` when no whole one does: a header cut short, or no WARC there."""
    file.seek(offset)
    head = file.read(1 << 12)
    if RECORD_END not in head:
        head += file.read(MAX_HEADER)
    length = head.find(RECORD_END)
    if not head.startswith(WARC_VERSION) or length < 0:
        raise NotWhole("no whole WARC record header here")
    return head[:length]
