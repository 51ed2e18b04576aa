"""The dataset built from the run files: each article once, in its latest version.

It is written in JSON Lines, Parquet or CSV. Two passes keep memory bounded by the number
of articles, not the size of their text: the first notes where each URL's lines are
(file, offset), its day, and its texts' sketches, from which the near-duplicates are
found; the second reads the chosen lines again in dataset order and writes them out in
batches, each with its language and cluster.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple, TextIO
from urllib.parse import urlsplit

from channel9.dataset.duplicates import PERMUTATIONS, clusters, sketches
from channel9.dataset.workers import POOL_FROM, chunked, read_in_order, worker_count
from channel9.items import ARRAY_BOUNDS, Article, item_of
from channel9.meter import Meter, tracked

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa
    from numpy.typing import NDArray
    from py3langid.langid import LanguageIdentifier

FIELDS = tuple(field.name for field in fields(Article))
CAPTURE = ("crawled_at", "warc_filename", "warc_record_offset", "warc_record_length")
"""The fields that tell the capture, not the page: two captures of one page are one
version of the article."""
VERSION_FIELDS = tuple(name for name in FIELDS if name not in CAPTURE)
"""The fields a version of an article is told apart by."""
DERIVED_FIELDS = ("language", "language_score", "duplicate_cluster")
"""The columns every build adds: the text's language (ISO 639-1, as py3langid names it),
the model's probability for it (0-1), and the URL of the earliest article whose text is
nearly the same (:mod:`~channel9.dataset.duplicates`; null without one)."""
REVISION_FIELDS = ("revision", "changed")
"""The columns ``--revisions`` adds: the version's number (1 for the first fetched), and
the fields that differ from the previous version's."""
LISTS = ("categories", "tags", "changed")
REQUIRED = ("url", "title", "text")
"""Never empty: the pipelines drop an article without them."""
MOMENTS = ("published_at", "modified_at", "crawled_at")
# Publication and edits in the site's zone (channel9.pages.dates.JAKARTA, UTC+7 all year),
# the fetch in UTC.
ZONES = {"published_at": "Asia/Jakarta", "modified_at": "Asia/Jakarta", "crawled_at": "UTC"}
COUNTS = ("warc_record_offset", "warc_record_length")
"""Byte counts (integers): where the page's record lies in its archive file."""


@cache
def parquet_schema(columns: tuple[str, ...] = FIELDS) -> pa.Schema:
    """The Parquet schema, fixed: a column that is empty in one file keeps its type."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("revision", pa.int32(), nullable=False)
            if name == "revision"
            else pa.field("language_score", pa.float64())
            if name == "language_score"
            else pa.field(name, pa.list_(pa.string()), nullable=False)
            if name in LISTS
            else pa.field("published_date", pa.date32())
            if name == "published_date"
            else pa.field(name, pa.timestamp("us", tz=ZONES[name]), nullable=name != "crawled_at")
            if name in MOMENTS
            else pa.field(name, pa.int64())
            if name in COUNTS
            else pa.field(name, pa.string(), nullable=name not in REQUIRED)
            for name in columns
        ]
    )


ITEM_SCHEMA = json.loads(files("channel9").joinpath("schema.json").read_text("utf-8"))
"""The item's JSON Schema (``channel9/schema.json``): what a line must hold."""
RULES = ITEM_SCHEMA["properties"]
URIS = {name for name, rule in RULES.items() if rule.get("format") == "uri"}
PATTERNS = {name: re.compile(rule["pattern"]) for name, rule in RULES.items() if "pattern" in rule}
ENUMS = {
    name: {value for value in rule["enum"] if value is not None}
    for name, rule in RULES.items()
    if "enum" in rule
}
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]*")
"""An absolute URI, as JSON Schema's ``uri`` format wants: a scheme, no blank."""
MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", re.IGNORECASE
)
"""JSON Schema's ``date-time`` (RFC 3339): Python also reads 2024-01-01 10:00+0700."""
FORMATS = (".jsonl", ".parquet", ".csv")
BATCH = 2000
"""Rows per Parquet row group and per write: a few MB of text at a time."""
OPEN_FILES = 64


class Unreadable(Exception):
    """A run file could not be read, or no longer holds the line the first pass found."""


class UnknownCategory(Exception):
    """``--category`` names no category of the run files or the crawl state: a typo would
    otherwise write an empty dataset over a good one."""


class NoArticle(Exception):
    """No article to write, filtered out or none in the run files: an empty dataset would
    replace a full one. ``broken``: the lines that are no article."""

    def __init__(self, broken: list[tuple[Path, int]]) -> None:
        super().__init__(f"no article ({len(broken)} broken lines)")
        self.broken = broken


@dataclass(frozen=True)
class Filters:
    since: date | None = None
    until: date | None = None
    categories: tuple[str, ...] = ()

    def wanted(self, row: Mapping[str, Any]) -> bool:
        day = row["published_date"]
        if (self.since or self.until) and day is None:
            return False
        if self.since and day < self.since.isoformat():
            return False
        if self.until and day > self.until.isoformat():
            return False
        return not self.categories or any(
            category_key(label) in self.categories for label in row["categories"]
        )


def category_key(label: str) -> str:
    """A category as ``--category`` may name it: its label or its slug, in any case."""
    return "-".join("".join(c if c.isalnum() else " " for c in label.lower()).split())


@dataclass
class Summary:
    """What the dataset card tells, counted while the rows are written."""

    articles: int = 0
    filled: Counter[str] = field(default_factory=Counter)
    per_category: Counter[str] = field(default_factory=Counter)
    per_main_category: Counter[str] = field(default_factory=Counter)
    sites: Counter[str] = field(default_factory=Counter)
    """Articles per site (``https://host``): the card names the site crawled."""
    per_month: Counter[str] = field(default_factory=Counter)
    per_month_category: Counter[tuple[str, str]] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    clusters: Counter[str] = field(default_factory=Counter)
    """Articles per cluster of near-duplicates (its earliest article's URL)."""
    first_day: str | None = None
    last_day: str | None = None

    @property
    def undated(self) -> int:
        """Articles without a publication day: in no month."""
        return self.articles - sum(self.per_month.values())

    def counted(
        self, rows: Iterable[dict[str, Any]], latest_only: bool = False
    ) -> Iterator[dict[str, Any]]:
        """The rows, each counted; with ``latest_only`` (rows of every version, an
        article's one after the other) each article once, as its last version."""
        held: dict[str, Any] | None = None
        for row in rows:
            if not latest_only:
                self.add(row)
            elif held is not None and held["url"] != row["url"]:
                self.add(held)
            held = row
            yield row
        if latest_only and held is not None:
            self.add(held)

    def add(self, row: Mapping[str, Any]) -> None:
        self.articles += 1
        self.filled.update(name for name in FIELDS if row[name] not in (None, "", []))
        self.per_category.update(row["categories"])
        self.per_main_category[row["category"] or ""] += 1
        if "language" in row:  # a row of a build: what the card counts is
            self.languages[row["language"]] += 1
            if row["duplicate_cluster"] is not None:
                self.clusters[row["duplicate_cluster"]] += 1
        parts = urlsplit(row["url"])
        self.sites[f"{parts.scheme}://{parts.netloc}"] += 1
        day = row["published_date"]
        if day:
            self.first_day = min(day, self.first_day or day)
            self.last_day = max(day, self.last_day or day)
            self.per_month[day[:7]] += 1
            self.per_month_category[day[:7], row["category"] or ""] += 1


@dataclass
class Built:
    files: list[Path]
    broken: list[tuple[Path, int]]
    summary: Summary
    revisions: int | None = None
    """The rows written with ``--revisions``: every version of the articles counted."""


def article(line: bytes) -> dict[str, Any] | None:
    """The article a run file's line holds, its fields in the item's order; None for a
    line that is none (cut by a killed run, mangled by hand, a wrong type): skipped, not
    the end of the build. Fields an older run did not write are empty."""
    try:
        item = json.loads(item_of(line).decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(item, dict):
        return None
    row = fields_of(item)
    return row if all(valid(name, value) for name, value in row.items()) else None


def fields_of(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item's fields, in the item's order, those it lacks empty."""
    return {name: item.get(name, [] if name in LISTS else None) for name in FIELDS}


def valid(name: str, value: object) -> bool:
    """As ``channel9/schema.json`` says (a test keeps the two in step), but for a field
    missing from the line: an older run's line, its field written empty."""
    if name in LISTS:
        return isinstance(value, list) and all(map(is_text, value))
    if value is None:
        return name not in REQUIRED and name != "crawled_at"
    if name in COUNTS:
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63
    if not is_text(value) or (name in REQUIRED and not value):
        return False
    assert isinstance(value, str)
    if name in URIS and not URI.fullmatch(value):
        return False
    if name in PATTERNS and not PATTERNS[name].search(value):
        return False
    if name in ENUMS:
        return value in ENUMS[name]
    if name == "published_date":
        return is_day(value)
    return name not in MOMENTS or moment(value) is not None


def is_text(value: object) -> bool:
    """Whether ``value`` is a string that UTF-8 can write.

    JSON may hold a lone surrogate ("\\ud800"), which no UTF-8 file can."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def moment(value: str) -> datetime | None:
    """An RFC 3339 moment (with its offset), whose instant has a year of 1 to 9999 in UTC
    too, else no reader can hold it."""
    if not MOMENT.fullmatch(value):
        return None
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None
    return parsed


def build(
    files: list[Path],
    filters: Filters,
    listed: Mapping[str, Collection[str]],
    path: Path,
    suffix: str,
    progress: TextIO | None = None,
    revisions: bool = False,
) -> Built:
    """Write the dataset of ``files`` to ``path``, in the format ``suffix`` names: each
    article once, in its latest version, or every version of it with ``revisions``.

    ``files`` are in run order (of two versions fetched at once, the later line wins).
    The progress goes to ``progress`` if it is a terminal (see
    :class:`~channel9.meter.Meter`), nowhere without. :class:`NoArticle`, before
    anything is written, when no article is left to write.

    From :data:`~channel9.dataset.workers.POOL_FROM` bytes of run files on, the texts are
    sketched in worker processes started with multiprocessing's ``spawn``: a script that
    calls this must do so under ``if __name__ == "__main__":``, as spawn wants."""
    try:
        size = sum(path.stat().st_size for path in files)
    except OSError as error:
        raise Unreadable(f"cannot read {error.filename}: {error.strerror}") from None
    with Meter("Reading the run files", size, "B", progress) as meter:
        found = locate(files, filters, listed, meter.advance, pooled=size >= POOL_FROM)
    unknown = [key for key in filters.categories if key not in found.seen]
    if unknown:
        raise UnknownCategory(f"--category {unknown[0]} names no category of these articles")
    if not found.articles:
        raise NoArticle(found.broken)
    summary = Summary()
    cluster_of = clustered(found)
    broken, articles = found.broken, found.articles
    del found  # its sketches (26 MB at 100,000 articles), before the rows are written
    places = [
        place for versions in articles for place in (versions if revisions else versions[-1:])
    ]
    rows: Iterator[dict[str, Any]] = (
        {**row, "duplicate_cluster": cluster_of[row["url"]]}
        for row in with_language(reread(files, places, listed))
    )
    if revisions:
        rows = numbered(rows, [place.revision for place in places])
    rows = tracked(rows, len(places), "Writing the dataset", "article", progress)
    columns = (*FIELDS, *DERIVED_FIELDS, *(REVISION_FIELDS if revisions else ()))
    WRITERS[suffix](path, summary.counted(rows, latest_only=revisions), columns)
    return Built(files, broken, summary, len(places) if revisions else None)


LANGUAGE_SAMPLE = 600
"""The characters of a text its language is told from: py3langid read the test texts as
right from 600 characters as from 3,000 (docs/dataset.md), and its time grows with the
length, which at 100,000 articles is a third of a build's."""


@cache
def language_identifier() -> LanguageIdentifier:
    """py3langid's model, its probabilities normalised (0-1), loaded once (0.8 s)."""
    # Imported here, as pyarrow is: Scrapy imports every command at each start.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def with_language(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Each row with its text's language and the model's probability for it. A text in
    another language than the site's is kept, and marked so.

    Read here, not in worker processes: another 90 MB for one would take a large build
    over 500 MB (docs/benchmarks.md)."""
    identifier = language_identifier()
    for row in rows:
        language, score = identifier.classify(row["text"][:LANGUAGE_SAMPLE])
        yield {**row, "language": language, "language_score": round(float(score), 3)}


def earliest_first(place: Place) -> tuple[str, str, str]:
    """A latest version's place among its near-duplicates: by publication day, then
    moment, then URL."""
    return (place.day, place.moment, place.url)


def clustered(found: Located) -> dict[str, str | None]:
    """Each article's ``duplicate_cluster``, by URL: the URL of the earliest article of
    its cluster of near-duplicates (by publication day, then moment, then URL), None
    without one. The clusters are those of the articles' latest versions; every version
    of an article is in its article's cluster."""
    latest = [versions[-1] for versions in found.articles]
    order = sorted(range(len(latest)), key=lambda index: earliest_first(latest[index]))
    firsts = clusters(found.sketches[[place.sketch for place in latest]], order)
    return {
        place.url: None if first is None else latest[first].url
        for place, first in zip(latest, firsts, strict=True)
    }


def numbered(rows: Iterable[dict[str, Any]], revisions: list[int]) -> Iterator[dict[str, Any]]:
    """Each version with its number and the fields that changed since the one before
    (none for the first); the versions of an article come one after the other."""
    previous: dict[str, Any] = {}
    for row, revision in zip(rows, revisions, strict=True):
        changed = [] if revision == 1 else [n for n in VERSION_FIELDS if row[n] != previous[n]]
        previous = row
        yield {**row, "revision": revision, "changed": changed}


class Capture(NamedTuple):
    """One line of a run file that holds an article, as the first pass notes it."""

    fetched: datetime
    number: int
    """The run file's index in the files read."""
    offset: int
    checksum: int
    """The line's CRC-32: a later pass reads the very line the first pass checked."""
    digest: str
    """What the page says (:data:`VERSION_FIELDS`): equal digests are one version."""
    day: str
    """The publication day, "~" for none: after every day."""
    moment: str
    """The publication moment in UTC, "~" for none: after any."""
    wanted: bool
    sketch: int
    """Its text's row in :attr:`Located.sketches`."""


class Place(NamedTuple):
    """One version of an article, where the dataset's passes read it."""

    day: str
    """The article's latest publication day, "~" for none: the dataset's order."""
    url: str
    number: int
    offset: int
    checksum: int
    moment: str
    """The version's publication moment in UTC, "~" for none."""
    sketch: int
    revision: int


@dataclass
class Located:
    """What the first pass found."""

    articles: list[list[Place]]
    """The wanted articles in dataset order, each its versions in fetch order."""
    broken: list[tuple[Path, int]]
    """The lines that are no article: file and line number."""
    seen: set[str]
    """The categories met, as ``category_key`` gives them."""
    sketches: NDArray[np.uint32]
    """The MinHash of every line's text, a row each."""


def locate(
    files: list[Path],
    filters: Filters,
    listed: Mapping[str, Collection[str]],
    advance: Callable[[int], object] | None = None,
    pooled: bool = False,
) -> Located:
    """The first pass: for each wanted URL, its versions in the order they were fetched,
    the articles in dataset order (by the latest version's day, undated last, then URL);
    every text sketched meanwhile, in worker processes when ``pooled``.

    Versions are told apart by :data:`VERSION_FIELDS`: a page fetched again unchanged is
    no new version. The order is that of the fetches (``crawled_at``), not of the files:
    run files named by a scheduler (Scrapyd's job ids) sort in no order, and a rebuild
    from old pages must not win over a newer fetch. A tie goes to the later file, then
    the later line. An article is wanted when its latest version is (``filters``)."""
    import numpy as np

    fetches: dict[str, list[Capture]] = {}
    broken: list[tuple[Path, int]] = []
    seen = {category_key(label) for labels in listed.values() for label in labels}
    made = []

    def lines() -> Iterator[tuple[tuple[str, Capture], str]]:
        """Each line's URL and capture with its text, the n-th text's sketch in row n."""
        sketch = 0
        for number, path in enumerate(files):
            offset = 0
            array = False
            for count, line in enumerate(lines_of(path), 1):
                if line.strip() in ARRAY_BOUNDS and (count == 1 or array):
                    array = True
                    offset += len(line)
                    continue
                row = article(line)
                if row is None:
                    broken.append((path, count))
                else:
                    seen.update(map(category_key, row["categories"]))
                    complete(row, listed)
                    noted = capture(row, number, offset, line, filters, sketch)
                    yield (row["url"], noted), row["text"]
                    sketch += 1
                offset += len(line)
                if advance is not None:  # the bytes read, for a progress meter
                    advance(len(line))

    for held, rows in read_in_order(sketches, chunked(lines()), worker_count() if pooled else 0):
        for url, noted in held:
            fetches.setdefault(url, []).append(noted)
        made.append(rows)
    articles = []
    for url, captures in fetches.items():
        captures.sort(key=lambda noted: (noted.fetched, noted.number, noted.offset))
        if not captures[-1].wanted:
            continue
        versions: list[Capture] = []
        for noted in captures:
            if versions and versions[-1].digest == noted.digest:
                versions[-1] = noted  # the same version, fetched later
            else:
                versions.append(noted)
        day = captures[-1].day
        articles.append(
            [
                Place(day, url, v.number, v.offset, v.checksum, v.moment, v.sketch, revision)
                for revision, v in enumerate(versions, 1)
            ]
        )
    articles.sort(key=lambda versions: (versions[0].day, versions[0].url))
    every = np.concatenate(made) if made else np.empty((0, PERMUTATIONS), np.uint32)
    return Located(articles, broken, seen, every)


def capture(
    row: Mapping[str, Any], number: int, offset: int, line: bytes, filters: Filters, sketch: int
) -> Capture:
    """The line's capture, its text's sketch in row ``sketch``."""
    fetched = moment(row["crawled_at"])
    assert fetched is not None  # checked by article()
    digest = hashlib.sha1(
        json.dumps([row[name] for name in VERSION_FIELDS]).encode(), usedforsecurity=False
    ).hexdigest()
    instant = row["published_at"] and moment(row["published_at"])
    return Capture(
        fetched,
        number,
        offset,
        zlib.crc32(item_of(line)),  # a last line may get its end, or a comma, later
        digest,
        row["published_date"] or "~",
        instant.astimezone(timezone.utc).isoformat() if instant else "~",
        filters.wanted(row),
        sketch,
    )


def lines_of(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as file:
            yield from file
    except OSError as error:
        raise Unreadable(f"cannot read {path}: {error}") from None


def complete(row: dict[str, Any], listed: Mapping[str, Collection[str]]) -> None:
    """Adds the categories whose listings showed the article and its page does not name,
    by name (a label written otherwise is the same category): the same whichever run saw
    which listing first."""
    named = row["categories"]
    keys = {category_key(label) for label in named}
    more = {category_key(label): label for label in sorted(listed.get(row["url"], ()))}
    row["categories"] = named + sorted(label for key, label in more.items() if key not in keys)


def reread(
    files: list[Path],
    places: list[Place],
    listed: Mapping[str, Collection[str]],
) -> Iterator[dict[str, Any]]:
    """The lines found by the first pass, read again in dataset order.

    Each is the line the first pass checked, byte for byte (its CRC-32), so it is not
    checked again: a file changed meanwhile raises :class:`Unreadable`."""
    handles: OrderedDict[int, IO[bytes]] = OrderedDict()
    try:
        for place in places:
            number, offset = place.number, place.offset
            try:
                if number not in handles:
                    if len(handles) == OPEN_FILES:
                        handles.popitem(last=False)[1].close()
                    handles[number] = files[number].open("rb")
                handles.move_to_end(number)
                handle = handles[number]
                handle.seek(offset)
                line = handle.readline()
            except OSError as error:
                raise Unreadable(f"cannot read {files[number]}: {error}") from None
            if zlib.crc32(item_of(line)) != place.checksum:
                raise Unreadable(f"{files[number]} changed while it was read")
            row = fields_of(json.loads(item_of(line)))
            complete(row, listed)
            yield row
    finally:
        for handle in handles.values():
            handle.close()


@contextmanager
def atomic(output: Path) -> Iterator[Path]:
    """A ``.partial`` file renamed to ``output`` once complete, and removed on error, so
    that no half file is ever left behind.

    A symbolic link is followed: the file it names is replaced, the link stays. A path
    that is there but no regular file (a device such as ``/dev/null``, a fifo, a socket)
    raises OSError before anything is written: the rename would put a regular file in
    its place. A ``.partial`` file a killed run left is removed first: a write must not
    follow a link put there, nor wait on a fifo."""
    if output.is_symlink():
        try:
            output = output.resolve()
        except RuntimeError:  # a loop of links (an OSError from Python 3.13 on)
            raise OSError(f"{output}: a loop of symbolic links") from None
    if output.exists() and not output.is_file():
        raise OSError(f"{output} is no regular file (a device, a fifo?): not replaced")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_of(output)
    partial.unlink(missing_ok=True)
    try:
        yield partial
        partial.replace(output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def partial_of(output: Path) -> Path:
    return output.with_name(output.name + ".partial")


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> None:
    with path.open("w", encoding="utf-8") as file:
        for row in rows:
            file.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_csv(path: Path, rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """Lists as JSON arrays, one cell each: a label may hold any separator one could pick."""
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(
                json.dumps(value, ensure_ascii=False) if name in LISTS else value
                for name, value in row.items()
            )


def write_parquet(path: Path, rows: Iterable[dict[str, Any]], columns: tuple[str, ...]) -> None:
    # zstd: text compresses a third smaller than with snappy, and every reader named in the
    # README reads it.
    # Imported here, not with the module: Scrapy imports every command at each start, a
    # crawl's included, and pyarrow would add a second and 100 MB to each.
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(columns)
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(typed(row))
            if len(batch) == BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema))


def typed(row: dict[str, Any]) -> dict[str, Any]:
    day = row["published_date"]
    return {
        **row,
        "published_date": day and date.fromisoformat(day),
        **{name: row[name] and moment(row[name]) for name in MOMENTS},
    }


WRITERS: dict[str, Callable[[Path, Iterable[dict[str, Any]], tuple[str, ...]], None]] = {
    ".jsonl": write_jsonl,
    ".parquet": write_parquet,
    ".csv": write_csv,
}
