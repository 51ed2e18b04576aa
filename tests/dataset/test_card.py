"""The dataset card and its plot: a Hugging Face card a reader can trust, one per file."""

from __future__ import annotations

from datetime import datetime, timezone
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from huggingface_hub import DatasetCard, DatasetCardData
from matplotlib.colors import same_color
from matplotlib.container import BarContainer

from channel9.dataset.build import Built, Summary
from channel9.dataset.card import (
    GREY,
    HATCH,
    OTHER,
    Origin,
    chart,
    companions,
    item_schema,
    markdown,
    size_category,
)
from tests.dataset.test_dataset import NO_STATE, article, dataset, error_of, lines

BUILT_AT = datetime(2024, 6, 10, tzinfo=timezone.utc)
ORIGIN = Origin("scrapy dataset -o ds.parquet", BUILT_AT, None, [], [], [], 0)


def built(*rows: dict[str, Any]) -> Built:
    """What a build of ``rows`` counted, as the card is handed it."""
    summary = Summary()
    for row in rows:
        summary.add(row)
    return Built([Path("channel9-1.jsonl")], [], summary)


def card_of(output: str, done: Built) -> str:
    described = item_schema()["properties"]
    return markdown(Path(output), done, ORIGIN, described, ("ds.png", "ds.schema.json"))


def section(card: str, heading: str) -> list[str]:
    """The lines under ``heading``, up to the next heading."""
    lines = card.splitlines()
    start = lines.index(heading) + 1
    end = next(
        (at for at in range(start, len(lines)) if lines[at].startswith("#")),
        len(lines),
    )
    return [line for line in lines[start:end] if line]


def in_categories(category: str, *more: str, day: str | None = "2024-05-10") -> dict[str, Any]:
    slug = f"{category}-{'-'.join(more)}-{day}".lower().replace(" ", "-")
    return article(slug, day, category=category, categories=[category, *more])


SMALL = built(
    in_categories("Nasional", "Opini", day="2024-04-30"),
    in_categories("Nasional", day="2024-05-02"),
    in_categories("Opini"),
    in_categories("Ekonomi & Bisnis", "Nasional", "Opini", day="2024-06-10"),
    in_categories("Nasional", day=None),
)


def test_the_card_opens_with_metadata_the_hub_reads() -> None:
    text = card_of("ds.parquet", SMALL)
    card = DatasetCard(text)

    assert card.data.to_dict() == {
        "language": ["id"],
        "license": "other",
        "license_name": "publisher-copyright",
        "license_link": "https://channel9.id/",
        "pretty_name": "channel9.id news articles",
        "size_categories": ["n<1K"],
        "task_categories": ["text-classification", "text-generation"],
        "configs": [{"config_name": "default", "data_files": "ds.parquet"}],
    }
    assert DatasetCardData(**card.data.to_dict()).to_dict() == card.data.to_dict()
    assert card.text.startswith("\n# ds.parquet: news articles of channel9.id\n")
    assert text.startswith(
        "---\n# Written by channel9's scrapy dataset, which replaces it with each build.\n"
    )


def test_the_metadata_names_the_site_crawled_and_quotes_a_file_name() -> None:
    local = article("a", url="http://127.0.0.1:8123/a/")

    data = DatasetCard(card_of('kata "kunci": #1.csv', built(local))).data.to_dict()

    assert data["license_link"] == "http://127.0.0.1:8123/"
    assert data["pretty_name"] == "127.0.0.1:8123 news articles"
    assert data["configs"] == [{"config_name": "default", "data_files": 'kata "kunci": #1.csv'}]


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("berita 😀 é.parquet", "berita 😀 é.parquet"),
        ("berita[2025]*?.csv", "berita[[]2025][*][?].csv"),
        ("a\u2028b\u0085c\td\\e.jsonl", "a\u2028b\u0085c\td\\e.jsonl"),
    ],
)
def test_the_file_to_load_is_named_whatever_its_characters(name: str, pattern: str) -> None:
    """Read back by the Hub's parser as written, and a glob (the Hub's ``data_files``
    are) matching that file alone."""
    card = card_of(name, SMALL)

    data = DatasetCard(card).data.to_dict()

    assert data["configs"] == [{"config_name": "default", "data_files": pattern}]
    assert fnmatchcase(name, pattern)
    assert not fnmatchcase(name.replace(".", "x."), pattern)


def test_a_file_name_is_written_as_itself_not_escaped() -> None:
    assert '\n  data_files: "berita 😀 é.parquet"\n' in card_of("berita 😀 é.parquet", SMALL)


@pytest.mark.parametrize(
    ("articles", "bucket"),
    [
        (0, "n<1K"),
        (999, "n<1K"),
        (1_000, "1K<n<10K"),
        (320, "n<1K"),
        (99_999, "10K<n<100K"),
        (100_000, "100K<n<1M"),
        (10**13, "n>1T"),
    ],
)
def test_the_size_is_the_hubs_bucket(articles: int, bucket: str) -> None:
    assert size_category(articles) == bucket


def test_both_category_counts_are_named_and_each_sums_as_said() -> None:
    card = card_of("ds.parquet", SMALL)

    assert section(card, "## How categories are counted") == [
        "An article has one main category (`category`, the first its page names) and may be"
        " listed under more (`categories`). **Articles per main category** counts each"
        " article once and sums to 5; the plot counts them so. **Articles listed under each"
        " category** counts an article under each of its categories and sums to 8.",
    ]
    assert section(card, "### Articles per main category") == [
        "| main category | articles |",
        "|---|---:|",
        "| Nasional | 3 |",
        "| Ekonomi & Bisnis | 1 |",
        "| Opini | 1 |",
    ]
    assert section(card, "### Articles listed under each category") == [
        "| category | articles |",
        "|---|---:|",
        "| Nasional | 4 |",
        "| Opini | 3 |",
        "| Ekonomi & Bisnis | 1 |",
    ]


def test_the_limits_name_undated_articles_and_partial_months() -> None:
    card = card_of("ds.parquet", SMALL)

    assert section(card, "## Limitations and known gaps")[:2] == [
        "- **Undated:** 1 article without a publication date: in the dataset, not in the"
        " counts per month nor in the plot.",
        "- **Partial months:** 2024-04 (from 2024-04-30), 2024-06 (to 2024-06-10): the"
        " dataset covers them in part, their counts are not a whole month's.",
    ]
    assert section(card, "## Licence and terms of use")[0].startswith(
        "The articles (their titles, texts and captions) belong to their publisher,"
        " channel9.id, under its copyright and its terms of use (https://channel9.id/)."
    )


def test_whole_months_are_not_called_partial() -> None:
    card = card_of("ds.parquet", built(article("a", "2024-02-01"), article("b", "2024-02-29")))

    assert section(card, "## Limitations and known gaps")[0] == (
        "- **Undated:** none: every article has a publication date."
    )
    assert "Partial months" not in card


def test_the_citation_names_the_file_and_the_site_not_a_made_up_repository() -> None:
    card = card_of("ds_2024.parquet", SMALL)

    assert "github.com" not in card
    assert section(card, "## How to cite") == [
        "Cite the dataset file and the site it was crawled from (the crawler's repository is"
        " not recorded here):",
        "```bibtex",
        "@misc{ds_2024_2024,",
        "  title = {ds\\_2024.parquet: news articles of channel9.id, published 2024-04-30 to"
        " 2024-06-10},",
        "  howpublished = {\\url{https://channel9.id/}},",
        "  year = {2024},",
        "  note = {5 articles, built 2024-06-10T00:00:00+00:00 with scrapy dataset -o ds.parquet}",
        "}",
        "```",
    ]


def test_the_plot_says_what_when_and_what_it_leaves_out() -> None:
    axes = chart(SMALL).axes[0]

    assert axes.get_title() == "channel9.id: articles per month, 2024-04 to 2024-06"
    assert axes.get_xlabel() == "publication month (Asia/Jakarta)"
    assert [tick.get_text() for tick in axes.get_xticklabels()] == [
        "2024-04",
        "2024-05",
        "2024-06",
    ]
    assert [text.get_text() for text in axes.texts] == [
        "5 articles, each counted once, in its main category\n"
        "1 article without a publication date, not shown\n"
        "hatched: 2024-04 (from 2024-04-30), 2024-06 (to 2024-06-10), covered in part"
    ]
    hatched = [[bar.get_hatch() for bar in bars] for bars in axes.containers]
    assert hatched == [[HATCH, None, HATCH]] * 3
    legend = axes.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == [
        "Opini",
        "Ekonomi & Bisnis",
        "Nasional",
        "month covered in part",
    ]
    assert [key.get_hatch() for key in legend.get_patches()] == [None, None, None, HATCH]


def test_a_plot_without_dates_says_so() -> None:
    axes = chart(built(article("a", None))).axes[0]

    assert axes.get_title() == "channel9.id: articles per month"
    assert [text.get_text() for text in axes.texts] == [
        "no article has a publication date",
        "1 article, each counted once, in its main category\n"
        "1 article without a publication date, not shown",
    ]


def bar_colours(count: int) -> dict[str, bool]:
    """Whether each category's bars in a plot of ``count`` main categories are grey."""
    done = built(*(in_categories(f"Kategori {number:02d}") for number in range(count)))
    axes = chart(done).axes[0]
    greys = {}
    for bars in axes.containers:
        assert isinstance(bars, BarContainer)
        greys[str(bars.get_label())] = same_color(bars.patches[0].get_facecolor(), GREY)
    return greys


def test_eight_categories_get_eight_colours_none_grey() -> None:
    greys = bar_colours(8)

    assert len(greys) == 8
    assert not any(greys.values())


def test_only_the_other_categories_are_grey() -> None:
    greys = bar_colours(9)

    assert [label for label, grey in greys.items() if grey] == [OTHER]
    assert len(greys) == 8


def test_each_dataset_file_has_its_own_card() -> None:
    assert [path.name for path in companions(Path("out/2024.parquet"))] == [
        "2024.md",
        "2024.png",
        "2024.schema.json",
        "2024.croissant.json",
    ]


def test_a_second_format_does_not_replace_the_first_ones_card(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/channel9-1.jsonl").write_bytes(lines(article("a")))
    assert dataset(tmp_path, "-o", "ds.parquet", *NO_STATE).returncode == 0
    card = (tmp_path / "ds.md").read_bytes()

    done = dataset(tmp_path, "-o", "ds.csv", *NO_STATE)

    assert error_of(done).endswith(
        "error: -o ds.csv would replace ds.md, the card of ds.parquet: name it otherwise"
    )
    assert (tmp_path / "ds.md").read_bytes() == card
    assert not (tmp_path / "ds.csv").exists()
    assert dataset(tmp_path, "-o", "table.csv", *NO_STATE).returncode == 0
    assert "| `published_date` | string, YYYY-MM-DD |" in (tmp_path / "table.md").read_text()
    assert "| `published_date` | `date32[day]` |" in (tmp_path / "ds.md").read_text()


def test_the_plot_says_which_command_drew_it(tmp_path: Path) -> None:
    """Its PNG text, by which a build knows a picture it may replace."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data/channel9-1.jsonl").write_bytes(lines(article("a")))

    assert dataset(tmp_path, "-o", "ds.csv", *NO_STATE).returncode == 0

    picture = (tmp_path / "ds.png").read_bytes()
    assert b"tEXtSoftware\x00channel9 scrapy dataset" in picture
    assert picture.index(b"tEXtSoftware") < picture.index(b"IDAT")


def test_a_rebuilt_card_and_plot_are_the_same_bytes(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/channel9-1.jsonl").write_bytes(
        lines(article("a", "2024-04-30"), article("b", None))
    )
    env = {"SOURCE_DATE_EPOCH": "1717977600"}
    built_files = []
    for _ in range(2):
        assert dataset(tmp_path, "-o", "ds.parquet", *NO_STATE, env=env).returncode == 0
        built_files.append([(tmp_path / name).read_bytes() for name in ("ds.md", "ds.png")])

    assert built_files[0] == built_files[1]
