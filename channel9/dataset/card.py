"""The dataset card: what a dataset holds, told beside it (``.md``, ``.png`` and the
item's JSON Schema), so that nobody has to load it to find out.

The card is a Hugging Face dataset card: the YAML the Hub reads first, then where the
articles come from, whose they are, what is missing, how each count is made and how to
cite the file."""

from __future__ import annotations

import calendar
import copy
import json
import math
import re
import struct
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from channel9.dataset.build import (
    FIELDS,
    FORMATS,
    ITEM_SCHEMA,
    LANGUAGE_SAMPLE,
    LISTS,
    MOMENTS,
    ZONES,
    Built,
    Summary,
    parquet_schema,
)
from channel9.dataset.croissant import CREATOR, croissant
from channel9.dataset.duplicates import THRESHOLD
from channel9.meter import counted
from channel9.site import SITE

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    # For the annotations only: the run history brings the crawl state's module along.
    from channel9.incremental.history import Run

STACKED = 8
"""Main categories the plot names; the others share one colour."""
PALETTE = (
    "tab:blue",
    "tab:orange",
    "tab:green",
    "tab:red",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:olive",
    "tab:cyan",
)
"""The colours of the categories the plot names: matplotlib's ten without its grey, which
readers take for "the rest" and only ``OTHER`` has."""
GREY = "tab:gray"
HATCH = "//"
"""The bars of a month the dataset covers in part."""
CATEGORIES = (
    "Every category the page names (the main one first), then every other category whose"
    " listing showed the article."
)
GAPLESS_MONTHS = 600
OTHER = "other categories"
NONE = "no category"
TEXT_TYPES = {
    "published_date": "string, YYYY-MM-DD",
    **dict.fromkeys(MOMENTS, "string, RFC 3339 date-time"),
}
SIZES = (
    "n<1K",
    "1K<n<10K",
    "10K<n<100K",
    "100K<n<1M",
    "1M<n<10M",
    "10M<n<100M",
    "100M<n<1B",
    "1B<n<10B",
    "10B<n<100B",
    "100B<n<1T",
    "n>1T",
)
"""The Hugging Face Hub's ``size_categories``, by tens of rows."""
TASKS = ("text-classification", "text-generation")
"""What the rows serve as they are: texts labelled with their categories, and Indonesian
text to model; nothing else (no summary, no question) is in them."""
LICENCE = "publisher-copyright"
"""The Hub's ``license_name`` when ``license`` is ``other``: the texts are the publisher's."""
BIBTEX = str.maketrans({char: f"\\{char}" for char in "&%$#_{}"})


@dataclass(frozen=True)
class Origin:
    """How the dataset was built, as the card tells it."""

    command: str
    built_at: datetime
    state: Path | None
    runs: list[Run]
    """The runs among the files read that the crawl state knows."""
    gone: list[Run]
    """The runs the state knows whose files are gone, though they exported articles."""
    unread: list[Run]
    """The runs the state knows whose files are there but were not read."""
    known: int
    """How many runs the state knows, those whose files were not read too."""


COMPANIONS = (".md", ".png", ".schema.json", ".croissant.json")
MARK = "# Written by channel9's scrapy dataset, which replaces it with each build."
"""The card's first line in its front matter, a YAML comment: how a build knows the
``.md`` beside its output for a card it wrote, not a document of someone's."""
SOFTWARE = "channel9 scrapy dataset"
"""The plot's PNG ``Software`` text, how a build knows a ``.png`` for one it wrote."""
PNG = b"\x89PNG\r\n\x1a\n"


def companions(output: Path) -> list[Path]:
    """``dataset.parquet`` gives ``dataset.md``, ``dataset.png``, ``dataset.schema.json``,
    ``dataset.croissant.json``."""
    return [output.with_name(output.stem + suffix) for suffix in COMPANIONS]


def sharing(output: Path) -> Path | None:
    """The dataset file of another format beside ``output`` whose card ``output``'s would
    replace: ``ds.parquet`` and ``ds.csv`` have one name for their cards (``ds.md``), and
    each card tells its own file's types."""
    return next(
        (
            other
            for other in (output.with_suffix(suffix) for suffix in FORMATS)
            if other.suffix != output.suffix and other.exists()
        ),
        None,
    )


def foreign(output: Path) -> Path | None:
    """The first file beside ``output`` that its card would replace and that no build
    wrote: a card without :data:`MARK`, a picture without :data:`SOFTWARE`, a schema of
    another ``$id``. ``-o README.parquet`` must not replace the project's ``README.md``."""
    card, picture, schema, metadata = companions(output)
    checks = (
        (card, is_card),
        (picture, is_plot),
        (schema, is_schema_copy),
        (metadata, is_croissant),
    )
    return next((path for path, ours in checks if path.exists() and not written(path, ours)), None)


def written(path: Path, ours: Callable[[Path], bool]) -> bool:
    """Whether ``ours`` knows the file for a build's; not when it cannot be read."""
    try:
        return ours(path)
    except OSError:
        return False


def is_card(path: Path) -> bool:
    start = f"---\n{MARK}\n".encode()
    with path.open("rb") as file:
        return file.read(len(start)) == start


def is_plot(path: Path) -> bool:
    """Whether the PNG file's text before its image data says :data:`SOFTWARE`."""
    with path.open("rb") as file:
        if file.read(len(PNG)) != PNG:
            return False
        while len(head := file.read(8)) == 8:
            length, kind = struct.unpack(">I4s", head)
            if kind == b"IDAT":
                return False
            data = file.read(length + 4)[:length]  # the chunk and its CRC
            if kind == b"tEXt" and data == b"Software\0" + SOFTWARE.encode():
                return True
    return False


def is_schema_copy(path: Path) -> bool:
    try:
        schema = json.loads(path.read_bytes())
    except ValueError:  # UnicodeDecodeError is one
        return False
    return isinstance(schema, dict) and schema.get("$id") == ITEM_SCHEMA["$id"]


def overview(built: Built) -> str:
    """The card's first paragraph: what a row is, and the order of the rows."""
    site = site_of(built.summary)
    name = host(site)
    if built.revisions is None:
        return (
            f"Indonesian news articles from [{name}]({site}/), one row per article, crawled with"
            " channel9, a Scrapy project. Each article is in the dataset once, in its latest"
            " version; rows are ordered by publication day, then URL."
        )
    return (
        f"Indonesian news articles from [{name}]({site}/), crawled with channel9, a Scrapy"
        " project: every version of each article its crawls fetched"
        f" ({built.revisions:,} rows, `--revisions`), numbered from 1 in the order they were"
        " fetched (`revision`), each with the fields that differ from the version before"
        " (`changed`); rows are ordered by the latest version's publication day, then URL,"
        " then revision."
    )


def is_croissant(path: Path) -> bool:
    try:
        metadata = json.loads(path.read_bytes())
    except ValueError:  # UnicodeDecodeError is one
        return False
    return isinstance(metadata, dict) and metadata.get("creator", {}).get("name") == CREATOR


def write_card(output: Path, built: Built, origin: Origin, into: list[Path], data: Path) -> None:
    """Writes the card, its plot, the schema and the Croissant metadata of ``output``
    (whose bytes are in ``data``) into the files ``into`` (their ``.partial`` files,
    renamed with the dataset's)."""
    card, picture, schema, metadata = into
    _card, picture_name, schema_name, _metadata = (path.name for path in companions(output))
    described = item_schema()
    schema.write_text(json.dumps(described, indent=2, ensure_ascii=False) + "\n", "utf-8")
    site = site_of(built.summary)
    about = {
        "description": overview(built),
        "site": f"{site}/",
        "licence": f"{LICENCE}: the articles are the publisher's, under its terms ({site}/)",
        "citation": "\n".join(citation(output, built, origin)[3:-1]),
        "built": origin.built_at.isoformat(timespec="seconds"),
        "collection": (
            f"Crawled from {site}/ with channel9 (Scrapy), politely (robots.txt obeyed, one"
            " request a second), through the site's listings, feeds and sitemaps; each page"
            " parsed by its markup, the general extractor where the markup is unknown; each"
            f" article once in its latest version, built {origin.built_at.isoformat()} with"
            f" `{origin.command}`."
        ),
        "limitations": " ".join(
            line.removeprefix("- ") for line in limitations(built, origin) if line.strip()
        ),
    }
    document = croissant(output, data, built, described["properties"], about)
    metadata.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    chart(built).savefig(
        picture, format="png", bbox_inches="tight", metadata={"Software": SOFTWARE}
    )
    text = markdown(output, built, origin, described["properties"], (picture_name, schema_name))
    card.write_text(text, encoding="utf-8")


def item_schema() -> dict[str, Any]:
    """The item's JSON Schema, as a dataset row has it: its categories completed."""
    schema: dict[str, Any] = copy.deepcopy(ITEM_SCHEMA)
    schema["properties"]["categories"]["description"] = CATEGORIES
    return schema


def markdown(
    output: Path,
    built: Built,
    origin: Origin,
    described: dict[str, Any],
    names: tuple[str, str],
) -> str:
    """The card; ``described``: the schema's fields, ``names``: the plot's and the schema's
    files."""
    picture, schema = names
    summary = built.summary
    site = site_of(summary)
    name = host(site)
    undated = summary.undated
    span = (
        f"published {summary.first_day} to {summary.last_day}"
        if summary.first_day
        else "no article has a publication date"
    )
    lines = [
        *front_matter(output, summary, site),
        f"# {output.name}: news articles of {name}",
        "",
        overview(built),
        "",
        f"- **Articles:** {summary.articles:,}, {span}"
        + (f" ({undated:,} without a date)" if undated and summary.first_day else ""),
        f"- **Built:** {origin.built_at.isoformat(timespec='seconds')} with `{origin.command}`",
        f"- **From:** {counted(len(built.files), 'run file')}, {_span(built.files)}",
        f"- **Runs:** {_runs(origin)}",
        f"- **Categories:** {_categories(origin)}",
        f"- **Languages:** {_languages(summary)}",
        f"- **Near-duplicates:** {_near_duplicates(summary)}",
        f"- **Schema:** one article is described by [{schema}]({schema}) (JSON Schema 2020-12)",
    ]
    lines += [f"- **Left out:** {told}" for told in left_out(origin)]
    if built.broken:
        lines.append(
            f"- **Left out:** {len(built.broken)} lines of the run files that are no article"
            f" (first: {built.broken[0][0].name} line {built.broken[0][1]})"
        )
    lines += [
        "",
        "## Fields",
        "",
        "| field | type | filled | meaning |",
        "|---|---|---:|---|",
    ]
    for index, field in enumerate(FIELDS):
        kind = _type(output.suffix, index, field)
        filled = _percent(summary.filled[field], summary.articles)
        meaning = described[field].get("description", "")
        lines.append(f"| `{field}` | {kind} | {filled} | {meaning} |")
    lines += [
        "",
        "## Licence and terms of use",
        "",
        (
            f"The articles (their titles, texts and captions) belong to their publisher, {name},"
            f" under its copyright and its terms of use ({site}/). This dataset grants no licence"
            " to them, and the licence of the crawler's code does not extend to them: the YAML"
            f" header says `license: other` ({LICENCE}). Use them as the publisher's terms and"
            " the law where you work allow (such as an exception for text and data mining in"
            " research); for anything more, ask the publisher. Pictures are linked"
            " (`image_url`), not included."
        ),
        "",
        "## Limitations and known gaps",
        "",
        *limitations(built, origin),
        "",
        "## How categories are counted",
        "",
        (
            "An article has one main category (`category`, the first its page names) and may be"
            " listed under more (`categories`). **Articles per main category** counts each"
            f" article once and sums to {summary.articles:,}; the plot counts them so."
            " **Articles listed under each category** counts an article under each of its"
            f" categories and sums to {sum(summary.per_category.values()):,}."
        ),
        "",
        "### Articles per main category",
        "",
        "| main category | articles |",
        "|---|---:|",
    ]
    mains = Counter({label or NONE: count for label, count in summary.per_main_category.items()})
    lines += [f"| {cell(label)} | {count:,} |" for label, count in _ranked(mains)]
    lines += [
        "",
        "### Articles listed under each category",
        "",
        "| category | articles |",
        "|---|---:|",
    ]
    lines += [f"| {cell(label)} | {count:,} |" for label, count in _ranked(summary.per_category)]
    lines += ["", "## Articles per month", "", f"![Articles per month]({picture})", ""]
    lines += ["| month | articles |", "|---|---:|"]
    lines += [f"| {month} | {summary.per_month[month]:,} |" for month in _months(built)]
    lines += ["", "## How to cite", "", *citation(output, built, origin)]
    return "\n".join(lines) + "\n"


def front_matter(output: Path, summary: Summary, site: str) -> list[str]:
    """The YAML the Hugging Face Hub reads from a card's top, after :data:`MARK`: the
    language, the licence (the publisher's, named by the Hub's ``other``), the size and
    the file to load, named by a pattern (the Hub globs ``data_files``) that matches that
    file alone."""
    return [
        "---",
        MARK,
        "language:",
        "- id",
        "license: other",
        f"license_name: {LICENCE}",
        f"license_link: {quoted(site + '/')}",
        f"pretty_name: {quoted(f'{host(site)} news articles')}",
        "size_categories:",
        f"- {size_category(summary.articles)}",
        "task_categories:",
        *(f"- {task}" for task in TASKS),
        "configs:",
        "- config_name: default",
        f"  data_files: {quoted(matching_only(output.name))}",
        "---",
        "",
    ]


def matching_only(name: str) -> str:
    """A glob pattern (the Hub's ``data_files`` are) that matches the file ``name`` alone:
    ``[``, ``*`` and ``?`` each written as the class of that one character."""
    return re.sub(r"[\[*?]", lambda found: f"[{found[0]}]", name)


def quoted(text: str) -> str:
    """``text`` as a YAML double-quoted string that YAML 1.1 and 1.2 readers alike read
    back as ``text``: each character as itself (an emoji too, where JSON writes two
    surrogates that PyYAML reads as two broken characters), but for the quote, the
    backslash, controls, line breaks (YAML's include U+0085, U+2028 and U+2029), the
    byte-order mark and surrogates, which are escaped."""
    return '"' + "".join(map(_escaped, text)) + '"'


def _escaped(char: str) -> str:
    """One character of :func:`quoted`."""
    code = ord(char)
    if char in '"\\':
        return "\\" + char
    printable = (
        0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code > 0xFFFF
    )
    return char if printable and code not in (0x2028, 0x2029, 0xFEFF) else f"\\u{code:04x}"


def size_category(articles: int) -> str:
    """The Hub's bucket of ``articles`` rows: ``n<1K`` up to 999, ``1K<n<10K`` from 1,000."""
    return SIZES[min(max(len(str(articles)) - 3, 0), len(SIZES) - 1)]


def site_of(summary: Summary) -> str:
    """The site most articles come from (``https://host``); the spider's own by default,
    when there is no article to tell."""
    ranked = _ranked(summary.sites)
    return ranked[0][0] if ranked else SITE


def host(site: str) -> str:
    return urlsplit(site).netloc


def limitations(built: Built, origin: Origin) -> list[str]:
    """What the dataset does not hold, or holds in part, as bullets."""
    summary = built.summary
    undated = summary.undated
    told = [
        f"- **Undated:** {counted(undated, 'article')} without a publication date: in the"
        " dataset, not in the counts per month nor in the plot."
        if undated
        else "- **Undated:** none: every article has a publication date."
    ]
    parts = partial(summary)
    if parts:
        told.append(
            "- **Partial months:** "
            + ", ".join(f"{month} ({days})" for month, days in parts.items())
            + ": the dataset covers them in part, their counts are not a whole month's."
        )
    missing = bool(left_out(origin) or built.broken)
    told += [
        "- **Coverage:** the articles the crawls reached: one the site shows in none of its"
        " category listings, feed and sitemap, or that a failed run could not fetch, is"
        " missing" + ("; so are those of the runs and lines left out above." if missing else "."),
        (
            "- **Categories:** as the site labels them, not a curated taxonomy: a label may be"
            " renamed or split over the years, and an article gets a category its page does not"
            " name only when the crawl state recorded the listing that showed it."
        ),
        (
            "- **Text:** as read from each page's markup: a page laid out in a way the parser"
            " does not know may keep a caption or a related link, or lose a paragraph."
        ),
    ]
    others = _ranked(summary.sites)[1:]
    if others:
        told.append(
            f"- **Sites:** {counted(sum(count for _site, count in others), 'article')} from"
            f" other sites than {host(site_of(summary))}: "
            + ", ".join(host(site) for site, _count in others)
            + "."
        )
    return told


def partial(summary: Summary) -> dict[str, str]:
    """The months the dataset covers in part, with the days it covers: the first if it
    starts after the month's first day, the last if it ends before the month's last (the
    month of the crawl looks like a fall otherwise)."""
    first, last = summary.first_day, summary.last_day
    if first is None or last is None:
        return {}
    parts: dict[str, list[str]] = {}
    if first[8:] != "01":
        parts.setdefault(first[:7], []).append(f"from {first}")
    if int(last[8:]) != calendar.monthrange(int(last[:4]), int(last[5:7]))[1]:
        parts.setdefault(last[:7], []).append(f"to {last}")
    return {month: " ".join(days) for month, days in parts.items()}


def citation(output: Path, built: Built, origin: Origin) -> list[str]:
    """A BibTeX entry naming the file and the site: the crawler's repository is recorded
    nowhere the build could read it from."""
    summary = built.summary
    site = site_of(summary)
    year = origin.built_at.year
    key = re.sub(r"[^A-Za-z0-9]+", "_", output.stem).strip("_") or "dataset"
    period = f", published {summary.first_day} to {summary.last_day}" if summary.first_day else ""
    title = f"{output.name}: news articles of {host(site)}{period}"
    note = (
        f"{counted(summary.articles, 'article')}, built"
        f" {origin.built_at.isoformat(timespec='seconds')} with {origin.command}"
    )
    return [
        (
            "Cite the dataset file and the site it was crawled from (the crawler's repository is"
            " not recorded here):"
        ),
        "",
        "```bibtex",
        f"@misc{{{key}_{year},",
        f"  title = {{{title.translate(BIBTEX)}}},",
        f"  howpublished = {{\\url{{{site}/}}}},",
        f"  year = {{{year}}},",
        f"  note = {{{note.translate(BIBTEX)}}}",
        "}",
        "```",
    ]


def cell(text: str) -> str:
    """Text in a Markdown table cell: a ``|`` of a label would end the cell."""
    return text.replace("|", "\\|")


def run_of(run: Run) -> str:
    """A run whose file is gone, as the dataset names it: by its id, and whether it wrote
    to no local file (stdout, a remote feed) at all."""
    return run.run_id if run.output else f"{run.run_id}: no local file"


def left_out(origin: Origin) -> list[str]:
    """The runs whose articles may be missing, said on stderr and in the card alike."""
    told = []
    if origin.gone:
        told.append(
            f"the files of {counted(len(origin.gone), 'run')} the crawl state knows are gone"
            f" ({', '.join(run_of(run) for run in origin.gone)}): the articles only they held"
            " are not in the dataset"
        )
    if origin.unread:
        told.append(
            f"the files of {counted(len(origin.unread), 'run')} the crawl state knows were not"
            f" read ({', '.join(str(run.output) for run in origin.unread)}): name them to have"
            " their articles"
        )
    return told


def _type(suffix: str, index: int, name: str) -> str:
    if suffix == ".parquet":
        return f"`{parquet_schema().field(index).type}`"
    if name in LISTS:
        return "JSON array of strings" if suffix == ".csv" else "array of strings"
    return TEXT_TYPES.get(name, "string")


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _span(files: list[Path]) -> str:
    return files[0].name if len(files) == 1 else f"{files[0].name} to {files[-1].name}"


def _runs(origin: Origin) -> str:
    if origin.state is None:
        return "built without the crawl state (CHANNEL9_STATE empty): their verdicts unknown"
    failed = [run.run_id for run in origin.runs if run.verdict == "failed"]
    unfinished = [run.run_id for run in origin.runs if run.verdict == "unfinished"]
    told = f"{origin.known} known to the crawl state"
    if len(origin.runs) != origin.known:
        told += f", {len(origin.runs)} of them in the files read, {len(failed)} of those failed"
    else:
        told += f", {len(failed)} of them failed"
    if failed:
        told += f" ({', '.join(map(str, failed))}: their articles are in, check their reports)"
    if unfinished:
        told += f"; {len(unfinished)} never finished ({', '.join(map(str, unfinished))})"
    return told


def _categories(origin: Origin) -> str:
    if origin.state is None:
        return "as the pages name them (no crawl state read to tell which listings showed each)"
    return f"as the pages name them, and every listing that showed the article ({origin.state})"


def _languages(summary: Summary) -> str:
    """The articles by the language of their text, most first."""
    shares = ", ".join(
        f"`{code}` {_percent(count, summary.articles)}"
        for code, count in _ranked(dict(summary.languages))
    )
    return (
        f"{shares} (`language`, `language_score`: py3langid's reading of the first"
        f" {LANGUAGE_SAMPLE:,} characters of the text; an article in another language is"
        " kept and marked so, not dropped)"
    )


def _near_duplicates(summary: Summary) -> str:
    """The clusters of more than one article, and the articles in them."""
    clusters = summary.clusters
    return (
        f"{counted(len(clusters), 'cluster')} of more than one article"
        f" ({counted(sum(clusters.values()), 'article')} in all). `duplicate_cluster` names"
        " each cluster by its earliest article in this dataset; a cluster joins texts whose"
        " MinHash sketches share a band and agree on at least"
        f" {THRESHOLD:.0%} of their values, and chains (A like B and B like C are one). Nothing"
        " is dropped: keep the rows whose `duplicate_cluster` is empty or their own `url` to"
        " have each text once."
    )


def _ranked(counts: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def _months(built: Built) -> list[str]:
    """Every month from the first to the last, those without an article too (a gap in the
    crawl shows as a gap); only those with articles when a far-off date (a typo on the
    site) would stretch the span past ``GAPLESS_MONTHS``."""
    present = sorted(built.summary.per_month)
    if not present:
        return []
    first, last = (int(month[:4]) * 12 + int(month[5:]) - 1 for month in (present[0], present[-1]))
    if last - first >= GAPLESS_MONTHS:
        return present
    return [f"{number // 12:04d}-{number % 12 + 1:02d}" for number in range(first, last + 1)]


def chart(built: Built) -> Figure:
    """Articles per month, stacked by main category (each article once), titled with the
    site and the period; the months the dataset covers in part hatched, the total and
    the undated articles told in a note under the axis."""
    # Imported here, as pyarrow is (see channel9.dataset.build.write_parquet). A Figure of its
    # own, not pyplot: no display and no global state (cron, servers, CI).
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    summary = built.summary
    months = _months(built)
    totals: Counter[str] = Counter()
    for (_month, category), count in summary.per_month_category.items():
        totals[category or NONE] += count
    ranked = [label for label, _count in _ranked(totals)]
    shown = ranked if len(ranked) <= STACKED else [*ranked[: STACKED - 1], OTHER]
    stacks: Counter[tuple[str, str]] = Counter()
    for (month, category), count in summary.per_month_category.items():
        label = category or NONE
        stacks[month, label if label in shown else OTHER] += count
    parts = partial(summary)
    figure = Figure(figsize=(12, 5.5), dpi=100)
    axes = figure.subplots()
    bottoms = [0] * len(months)
    for number, label in enumerate(shown):
        heights = [stacks[month, label] for month in months]
        colour = GREY if label == OTHER else PALETTE[number]
        axes.bar(range(len(months)), heights, bottom=bottoms, label=label, color=colour)
        bottoms = [bottom + height for bottom, height in zip(bottoms, heights, strict=True)]
    step = max(1, math.ceil(len(months) / 24))
    axes.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right")
    axes.set_xlabel(f"publication month ({ZONES['published_at']})")
    axes.set_ylabel("articles")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    site = host(site_of(summary))
    if months:
        period = months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"
        axes.set_title(f"{site}: articles per month, {period}")
        # Top to bottom, as the bars are stacked.
        handles, labels = axes.get_legend_handles_labels()
        handles, labels = handles[::-1], labels[::-1]
        if parts:
            handles.append(Patch(facecolor="white", edgecolor="black", hatch=HATCH))
            labels.append("month covered in part")
        axes.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        # After the legend, whose keys would take the hatch of a first month in part.
        for bars in axes.containers:
            for month, bar in zip(months, bars, strict=True):
                if month in parts:
                    bar.set_hatch(HATCH)
    else:
        axes.set_title(f"{site}: articles per month")
        axes.text(0.5, 0.5, "no article has a publication date", ha="center", va="center")
    axes.annotate(
        "\n".join(notes(summary)),
        xy=(0, 0),
        xycoords=("axes fraction", axes.xaxis.label),
        xytext=(0, -8),
        textcoords="offset points",
        ha="left",
        va="top",
    )
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def notes(summary: Summary) -> list[str]:
    """The plot's note: what it counts, and what it leaves out or shows in part."""
    told = [f"{counted(summary.articles, 'article')}, each counted once, in its main category"]
    undated = summary.undated
    if undated:
        told.append(f"{counted(undated, 'article')} without a publication date, not shown")
    parts = partial(summary)
    if parts:
        told.append(
            "hatched: "
            + ", ".join(f"{month} ({days})" for month, days in parts.items())
            + ", covered in part"
        )
    return told
