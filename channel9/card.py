"""The dataset card: what a dataset holds, told beside it (``.md``, ``.png`` and the
item's JSON Schema), so that nobody has to load it to find out."""

from __future__ import annotations

import copy
import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from channel9.dataset import FIELDS, ITEM_SCHEMA, LISTS, MOMENTS, Built, parquet_schema
from channel9.incremental.history import Run

STACKED = 8
"""Main categories the plot names; the others share one colour."""
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


COMPANIONS = (".md", ".png", ".schema.json")


def companions(output: Path) -> list[Path]:
    """``dataset.parquet`` gives ``dataset.md``, ``dataset.png``, ``dataset.schema.json``."""
    return [output.with_name(output.stem + suffix) for suffix in COMPANIONS]


def write_card(output: Path, built: Built, origin: Origin, into: list[Path]) -> None:
    """Writes the card, its plot and the schema of ``output`` into the files ``into``
    (their ``.partial`` files, renamed with the dataset's)."""
    card, picture, schema = into
    _card, picture_name, schema_name = (path.name for path in companions(output))
    described = item_schema()
    schema.write_text(json.dumps(described, indent=2, ensure_ascii=False) + "\n", "utf-8")
    plot(built, picture, output.name)
    text = markdown(output, built, origin, described["properties"], (picture_name, schema_name))
    card.write_text(text, encoding="utf-8")


def item_schema() -> dict[str, Any]:
    """The item's JSON Schema, as a dataset row has it: its categories completed."""
    schema = copy.deepcopy(ITEM_SCHEMA)
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
    undated = summary.articles - sum(summary.per_month.values())
    span = (
        f"published {summary.first_day} to {summary.last_day}"
        if summary.first_day
        else "no article has a publication date"
    )
    lines = [
        f"# {output.name}: news articles of Channel9.id",
        "",
        "Indonesian news articles from [Channel9.id](https://channel9.id/), one row per article,"
        " crawled by [channel9](https://github.com/channel9-dataset/channel9), a Scrapy"
        " project. Each article is in the dataset once, in its latest version; rows are"
        " ordered by publication day, then URL.",
        "",
        f"- **Articles:** {summary.articles:,}, {span}"
        + (f" ({undated:,} without a date)" if undated and summary.first_day else ""),
        f"- **Built:** {origin.built_at.isoformat(timespec='seconds')} with `{origin.command}`",
        f"- **From:** {counted(len(built.files), 'run file')}, {_span(built.files)}",
        f"- **Runs:** {_runs(origin)}",
        f"- **Categories:** {_categories(origin)}",
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
    for index, name in enumerate(FIELDS):
        kind = _type(output.suffix, index, name)
        filled = _percent(summary.filled[name], summary.articles)
        meaning = described[name].get("description", "")
        lines.append(f"| `{name}` | {kind} | {filled} | {meaning} |")
    lines += ["", "## Articles per category", "", "| category | articles |", "|---|---:|"]
    lines += [f"| {cell(label)} | {count:,} |" for label, count in _ranked(summary.per_category)]
    lines += ["", "## Articles per month", "", f"![Articles per month]({picture})", ""]
    lines += ["| month | articles |", "|---|---:|"]
    lines += [f"| {month} | {summary.per_month[month]:,} |" for month in _months(built)]
    return "\n".join(lines) + "\n"


def cell(text: str) -> str:
    """Text in a Markdown table cell: a ``|`` of a label would end the cell."""
    return text.replace("|", "\\|")


def left_out(origin: Origin) -> list[str]:
    """The runs whose articles may be missing, said on stderr and in the card alike."""
    told = []
    if origin.gone:
        told.append(
            f"the files of {counted(len(origin.gone), 'run')} the crawl state knows are gone"
            f" ({', '.join(run.run_id for run in origin.gone)}): the articles only they held"
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


def counted(number: int, thing: str) -> str:
    return f"{number:,} {thing}{'' if number == 1 else 's'}"


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _span(files: list[Path]) -> str:
    return files[0].name if len(files) == 1 else f"{files[0].name} to {files[-1].name}"


def _runs(origin: Origin) -> str:
    if origin.state is None:
        return "built without the crawl state (CHANNEL9_STATE empty): their verdicts unknown"
    failed = [run.run_id for run in origin.runs if run.verdict == "failed"]
    unfinished = [run.run_id for run in origin.runs if run.verdict == "unfinished"]
    told = f"{len(origin.runs)} known to the crawl state, {len(failed)} of them failed"
    if failed:
        told += f" ({', '.join(map(str, failed))}: their articles are in, check their reports)"
    if unfinished:
        told += f"; {len(unfinished)} never finished ({', '.join(map(str, unfinished))})"
    return told


def _categories(origin: Origin) -> str:
    if origin.state is None:
        return "as the pages name them (no crawl state read to tell which listings showed each)"
    return f"as the pages name them, and every listing that showed the article ({origin.state})"


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


def plot(built: Built, path: Path, name: str) -> None:
    """Articles per month, stacked by main category (each article once)."""
    # Imported here, as pyarrow is (see channel9.dataset.write_parquet). A Figure of its
    # own, not pyplot: no display and no global state (cron, servers, CI).
    from matplotlib import colormaps
    from matplotlib.figure import Figure
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
    figure = Figure(figsize=(12, 5.5), dpi=100)
    axes = figure.subplots()
    bottoms = [0] * len(months)
    colours = colormaps["tab10"]
    for number, label in enumerate(shown):
        heights = [stacks[month, label] for month in months]
        axes.bar(range(len(months)), heights, bottom=bottoms, label=label, color=colours(number))
        bottoms = [bottom + height for bottom, height in zip(bottoms, heights, strict=True)]
    step = max(1, math.ceil(len(months) / 24))
    axes.set_xticks(range(0, len(months), step), months[::step], rotation=45, ha="right")
    axes.set_ylabel("articles")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(f"{name}: articles per month, by main category")
    if months:
        # Top to bottom, as the bars are stacked.
        handles, labels = axes.get_legend_handles_labels()
        axes.legend(
            handles[::-1],
            labels[::-1],
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            frameon=False,
        )
    else:
        axes.text(0.5, 0.5, "no article has a publication date", ha="center", va="center")
    axes.spines[["top", "right"]].set_visible(False)
    figure.savefig(path, format="png", bbox_inches="tight")
