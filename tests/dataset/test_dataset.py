"""``scrapy dataset``: the run files merged into one dataset, and nothing of theirs lost."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import resource
import subprocess
import sys
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scrapy.exporters import JsonItemExporter
from scrapy.utils.defer import deferred_f_from_coro_f

import channel9.commands.dataset as dataset_command
from channel9.dataset.build import Filters, Unreadable, locate, reread
from channel9.dataset.build import article as article_of
from channel9.demo.site import JAKARTA, FakeSite, serve
from channel9.incremental.store import CrawlState, Published
from channel9.items import Article
from tests.conftest import (
    SCHEMA,
    SCRAPY,
    SITE,
    article,
    built_lines,
    command_in_process,
    crawl_in_process,
    lines,
)
from tests.pages.test_pages import FIXTURES

A_1 = article("a", "2024-05-02")
A_2 = article("a", "2024-05-02", title="Judul a, diperbaiki")
B_1 = article("b")
RUN_1 = lines(A_1, B_1)
RUN_2 = lines(A_2)
MERGED = lines(B_1, A_2)


def dataset(
    workdir: Path,
    *args: str,
    file_size_limit: int | None = None,
    env: dict[str, str] | None = None,
    prefix: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    """Runs the real command in ``workdir``: in this process, or in a process of its own
    whose files are no larger than ``file_size_limit``, run through ``prefix``."""
    if file_size_limit is None and not prefix:
        return command_in_process(workdir, "dataset", *args, env=env)

    def limit() -> None:
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    return subprocess.run(
        [*prefix, SCRAPY, "dataset", *args],
        cwd=workdir,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings", **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
    )


def error_of(done: subprocess.CompletedProcess[str], status: int = 2) -> str:
    """The last stderr line of a refused (2) or failed (1) command: no traceback, no
    stdout; a refusal says nothing else."""
    assert done.returncode == status, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr, done.stderr
    if status == 2:
        assert len(done.stderr.splitlines()) == 1, done.stderr
    return done.stderr.splitlines()[-1]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """Two runs under ``data/``, beside the files a run leaves that are no run file."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "channel9-1.jsonl").write_bytes(RUN_1)
    (data / "channel9-2.jsonl").write_bytes(RUN_2)
    (data / "channel9-2.report.json").write_text('{"run_id": "2"}', encoding="utf-8")
    (data / "channel9-2.jsonl.broken").write_bytes(b'{"url": "c", "v"')
    CrawlState(data / "channel9-state.sqlite3").close()
    return tmp_path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["-o", "data/channel9-1.jsonl"],
            "-o would overwrite a run file it reads: data/channel9-1.jsonl",
        ),
        (
            ["-o", "./data/../data/channel9-2.jsonl", "data"],
            "-o would overwrite a run file it reads: data/../data/channel9-2.jsonl",
        ),
        (
            ["-o", "merged.jsonl", "merged.jsonl", "data"],
            "-o would overwrite a run file it reads: merged.jsonl",
        ),
        (
            ["-o", "merged.jsonl", "merged.jsonl.partial", "data"],
            "-o would overwrite a run file it reads: merged.jsonl.partial",
        ),
        (
            ["-o", "data/channel9-3.jsonl"],
            "-o is named like the run files (channel9-*.jsonl) of a folder it reads: "
            "data/channel9-3.jsonl",
        ),
    ],
)
def test_output_that_is_or_would_become_a_run_file_read_is_refused(
    workdir: Path, args: list[str], message: str
) -> None:
    (workdir / "merged.jsonl").write_bytes(b'{"url": "m"}\n')
    (workdir / "merged.jsonl.partial").write_bytes(b'{"url": "p"}\n')

    done = dataset(workdir, *args)

    assert error_of(done) == f"scrapy dataset: error: {message}"
    assert (workdir / "data/channel9-1.jsonl").read_bytes() == RUN_1
    assert (workdir / "data/channel9-2.jsonl").read_bytes() == RUN_2
    assert (workdir / "merged.jsonl").read_bytes() == b'{"url": "m"}\n'
    assert (workdir / "merged.jsonl.partial").read_bytes() == b'{"url": "p"}\n'
    assert not (workdir / "data/channel9-3.jsonl").exists()


def test_folders_give_only_their_run_files_named_files_are_read_whatever_their_name(
    workdir: Path,
) -> None:
    (workdir / "data/dataset.jsonl").write_bytes(lines(article("a", "2024-06-01"), article("z")))
    (workdir / "notes").mkdir()
    (workdir / "notes/extra.txt").write_bytes(lines(article("n", "2024-05-03")))

    done = dataset(workdir, "-o", "data/all.jsonl", "data", "notes/extra.txt")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("3 articles from 3 run files written to data/all.jsonl, ")
    assert built_lines(workdir / "data/all.jsonl") == MERGED + lines(article("n", "2024-05-03"))
    again = dataset(workdir, "-o", "data/all.jsonl")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("2 articles from 2 run files written to data/all.jsonl, ")
    assert built_lines(workdir / "data/all.jsonl") == MERGED


def test_a_folder_without_run_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/dataset.jsonl").write_bytes(b'{"url": "a"}\n')

    done = dataset(tmp_path, "-o", "all.jsonl")

    assert error_of(done) == "scrapy dataset: error: no run files (channel9-*.jsonl) in data"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]


def test_no_data_folder_is_refused(tmp_path: Path) -> None:
    done = dataset(tmp_path, "-o", "all.jsonl")

    assert error_of(done) == "scrapy dataset: error: no such file or folder: data"
    assert list(tmp_path.iterdir()) == []


def test_lines_that_are_no_article_are_skipped_saying_where(workdir: Path) -> None:
    good = lines(article("c", "2024-05-09", title="Café"))
    bad = [
        lines(article("d"))[:-20] + b"\xe9" + lines(article("d"))[-20:],
        lines(article("e", url=["a"])),
        lines(article("e", url=5)),
        lines(article("e", url="")),
        lines({k: v for k, v in article("e").items() if k != "url"}),
        lines(article("e", categories="Nasional")),
        lines(article("e", tags=[1])),
        lines(article("e", title=5)),
        lines(article("e", published_date="2024-02-30")),
        lines(article("e", published_date="20240501")),
        lines(article("e", published_date="2024-W01-1")),
        lines(article("e", url="x")),
        lines(article("e", title=None)),
        lines(article("e", text="")),
        json.dumps(article("e", title="Caf\ud800")).encode() + b"\n",
        json.dumps(article("e", tags=["\udfff"])).encode() + b"\n",
        lines(article("e", published_at="0001-01-01T00:00:00+07:00")),
        lines(article("e", crawled_at="9999-12-31T23:59:59-07:00")),
        lines(article("e", published_at="2024-05-01T10:00:00")),
        lines(article("e", crawled_at=None)),
        lines(article("e", crawled_at="kemarin")),
        b"[1,2]\n",
        b'"x"\n',
        b"[" * 100_000 + b"]" * 100_000 + b"\n",
        lines(article("e"))[:40],
    ]
    (workdir / "data/channel9-3.jsonl").write_bytes(good + b"".join(bad))

    done = dataset(workdir, "-o", "all.jsonl")

    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "3 articles from 3 run files written to all.jsonl, described in all.md, all.png,"
        " all.schema.json, all.croissant.json\n"
    )
    assert done.stderr.splitlines() == [
        f"scrapy dataset: warning: skipped a broken line: data/channel9-3.jsonl:{number}"
        for number in range(2, 27)
    ]
    assert built_lines(workdir / "all.jsonl") == MERGED + good


def test_output_into_missing_folders_creates_them(workdir: Path) -> None:
    done = dataset(workdir, "-o", "exports/2024/all.jsonl")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 articles from 2 run files written to exports/2024/all.jsonl")
    assert built_lines(workdir / "exports/2024/all.jsonl") == MERGED
    assert sorted(path.name for path in (workdir / "exports/2024").iterdir()) == [
        "all.croissant.json",
        "all.jsonl",
        "all.md",
        "all.png",
        "all.schema.json",
    ]


def test_output_that_is_a_folder_is_refused(workdir: Path) -> None:
    (workdir / "exports.csv").mkdir()

    done = dataset(workdir, "-o", "exports.csv")

    assert error_of(done) == "scrapy dataset: error: -o names a folder: exports.csv"
    assert sorted(path.name for path in workdir.iterdir()) == ["data", "exports.csv"]
    assert list((workdir / "exports.csv").iterdir()) == []


def test_output_under_a_file_is_refused(workdir: Path) -> None:
    (workdir / "notes.txt").write_bytes(b"notes\n")

    done = dataset(workdir, "-o", "notes.txt/all.jsonl")

    assert error_of(done, 1) == (
        "scrapy dataset: error: cannot write notes.txt/all.jsonl: [Errno 17] File exists:"
        " 'notes.txt'"
    )
    assert (workdir / "notes.txt").read_bytes() == b"notes\n"


def test_failed_write_leaves_neither_dataset_nor_partial_file(workdir: Path) -> None:
    many = (article(str(number), text="x" * 1000) for number in range(100))
    (workdir / "data/channel9-3.jsonl").write_bytes(lines(*many))

    done = dataset(workdir, "-o", "all.jsonl", file_size_limit=50_000)

    assert error_of(done, 1) == (
        "scrapy dataset: error: cannot write all.jsonl: [Errno 27] File too large"
    )
    assert sorted(path.name for path in workdir.iterdir()) == ["data"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl"], "no such file or folder: missing.jsonl"),
        (["data", "old"], "no such file or folder: old"),
        # Empty, as an unset variable gives it: not the current folder.
        (["data", ""], "a run file or folder is named, not ''"),
    ],
)
def test_a_missing_run_file_or_folder_is_refused(
    workdir: Path, args: list[str], message: str
) -> None:
    done = dataset(workdir, "-o", "all.jsonl", *args)

    assert error_of(done) == f"scrapy dataset: error: {message}"
    assert not (workdir / "all.jsonl").exists()


def test_output_that_is_a_link_is_refused(workdir: Path) -> None:
    (workdir / "elsewhere.jsonl").write_text("kept\n")
    (workdir / "link.jsonl").symlink_to(workdir / "elsewhere.jsonl")

    done = dataset(workdir, "-o", "link.jsonl")
    assert error_of(done).endswith("-o names a link or a device, not a file: link.jsonl")
    assert (workdir / "elsewhere.jsonl").read_text() == "kept\n"


NO_STATE = ("-s", "CHANNEL9_STATE=")
PARQUET = pa.schema(
    [
        pa.field("url", pa.string(), nullable=False),
        pa.field("title", pa.string(), nullable=False),
        pa.field("category", pa.string()),
        pa.field("categories", pa.list_(pa.string()), nullable=False),
        pa.field("tags", pa.list_(pa.string()), nullable=False),
        pa.field("author", pa.string()),
        pa.field("published_date", pa.date32()),
        pa.field("published_at", pa.timestamp("us", tz="Asia/Jakarta")),
        pa.field("published_raw", pa.string()),
        pa.field("published_source", pa.string()),
        pa.field("modified_at", pa.timestamp("us", tz="Asia/Jakarta")),
        pa.field("dateline", pa.string()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("editor", pa.string()),
        pa.field("image_url", pa.string()),
        pa.field("image_caption", pa.string()),
        pa.field("crawled_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("warc_filename", pa.string()),
        pa.field("warc_record_offset", pa.int64()),
        pa.field("warc_record_length", pa.int64()),
        pa.field("language", pa.string()),
        pa.field("language_score", pa.float64()),
        pa.field("duplicate_cluster", pa.string()),
    ]
)


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@deferred_f_from_coro_f
async def test_a_crawled_site_gives_every_article_once_typed_with_every_category_listed(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=40)
    outsider, known = site.order[5], site.order[0]
    site.also_listed[outsider] = {"politik"}
    with serve(site) as base_url:
        first = await crawl_in_process(tmp_path, base_url)
        assert first.returncode == 0
        # A later run walks only Opini, whose listing now shows an article exported before.
        site.also_listed[known] = {"opini"}
        later = await crawl_in_process(tmp_path, base_url, "-a", "categories=opini")
        assert later.returncode == 0
    expected = site.expected(base_url)
    expected[f"{base_url}/{outsider}/"]["categories"].append("Politik")
    expected[f"{base_url}/{known}/"]["categories"].append("Opini")
    order = sorted(expected, key=lambda url: (expected[url]["published_date"], url))

    for name in ("ds.parquet", "table.csv"):
        done = dataset(tmp_path, "-o", name)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"40 articles from 1 run file written to {name}, ")

    table = pq.read_table(tmp_path / "ds.parquet")
    assert table.schema.remove_metadata() == PARQUET
    rows = table.to_pylist()
    assert [row["url"] for row in rows] == order
    for row in rows:
        want = expected[row["url"]]
        assert row["categories"] == want["categories"]
        assert row["tags"] == want["tags"]
        assert row["text"] == want["text"]
        assert row["published_date"] == date.fromisoformat(want["published_date"])
        published = want["published_at"] and datetime.fromisoformat(want["published_at"])
        assert row["published_at"] == published
        assert row["crawled_at"].tzinfo is not None
    table = csv_rows(tmp_path / "table.csv")
    assert [row["url"] for row in table] == order
    for row, parquet_row in zip(table, rows, strict=True):
        assert json.loads(row["categories"]) == parquet_row["categories"]
        assert row["text"] == parquet_row["text"]
        assert "\n\n" in row["text"]
        assert row["published_date"] == parquet_row["published_date"].isoformat()
    assert (tmp_path / "ds.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    card = (tmp_path / "ds.md").read_text(encoding="utf-8")
    assert "| Politik | " in card
    assert "[ds.schema.json](ds.schema.json)" in card
    assert json.loads((tmp_path / "ds.schema.json").read_text())["title"] == "Channel9.id article"


@pytest.fixture
def versions(tmp_path: Path) -> Path:
    """Two runs: ``a`` moved to June by an edit, ``c`` rewritten, ``u`` without a date;
    the state knows that Opini's listing showed ``b`` under another address."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "channel9-1.jsonl").write_bytes(
        lines(
            article("a", "2024-05-02"),
            article("b", categories=["Nasional", "Ekonomi & Bisnis"], image_url=None),
            article("u", None),
            article("c", "2024-04-30", text="Lama."),
        )
    )
    (data / "channel9-2.jsonl").write_bytes(
        lines(article("a", "2024-06-10"), article("c", "2024-04-30", text="Baru."))
    )
    state = CrawlState(data / "channel9-state.sqlite3")
    state.record_exported([f"{SITE}/b/", f"{SITE}/?p=2"], f"{SITE}/b/", "h", Published(), "t", "r")
    state.record_listed("opini", "Opini", [f"{SITE}/?p=2", f"{SITE}/a/"])
    state.record_listed("ekbis", "Ekonomi & Bisnis", [f"{SITE}/b/"])
    state.start_run("1", "2024-05-03T00:00:00+00:00", str(data / "channel9-1.jsonl"))
    state.finish_run("1", "2024-05-03T00:10:00+00:00", "finished", None, [], 4, 0, {})
    state.start_run("2", "2024-06-11T00:00:00+00:00", str(data / "channel9-2.jsonl"))
    state.finish_run("2", "2024-06-11T00:10:00+00:00", "finished", None, ["failed"], 2, 1, {})
    state.close()
    return tmp_path


@pytest.mark.parametrize(
    ("args", "urls"),
    [
        ([], ["c", "b", "a", "u"]),
        (["--since", "2024-05-01", "--until", "2024-05-31"], ["b"]),
        (["--since", "2024-05-01"], ["b", "a"]),
        (["--until", "2024-05-01"], ["c", "b"]),
        (["--category", "opini"], ["b", "a"]),
        (["--category", "ekonomi-bisnis", "--category", "NASIONAL"], ["c", "b", "a", "u"]),
        (["--category", "Ekonomi & Bisnis"], ["b"]),
        (["--category", "ekbis"], ["b"]),
    ],
)
def test_rows_are_the_latest_versions_by_day_then_url_filtered_on_them(
    versions: Path, args: list[str], urls: list[str]
) -> None:
    done = dataset(versions, "-o", "ds.parquet", *args)

    assert done.returncode == 0, done.stderr
    rows = pq.read_table(versions / "ds.parquet").to_pylist()
    assert [row["url"] for row in rows] == [f"{SITE}/{slug}/" for slug in urls]
    by_url = {row["url"]: row for row in rows}
    if f"{SITE}/c/" in by_url:
        assert by_url[f"{SITE}/c/"]["text"] == "Baru."
    if f"{SITE}/b/" in by_url:
        assert by_url[f"{SITE}/b/"]["categories"] == ["Nasional", "Ekonomi & Bisnis", "Opini"]


def test_parquet_files_of_different_filters_have_one_schema_and_concatenate(
    versions: Path,
) -> None:
    assert dataset(versions, "-o", "may.parquet", "--until", "2024-05-31").returncode == 0
    assert dataset(versions, "-o", "june.parquet", "--since", "2024-06-01").returncode == 0

    may, june = (pq.read_table(versions / name) for name in ("may.parquet", "june.parquet"))
    assert may.schema.remove_metadata() == june.schema.remove_metadata() == PARQUET
    assert may.column("image_url").null_count == may.num_rows == 2
    assert june.column("author").null_count == june.num_rows == 1
    assert pa.concat_tables([may, june]).num_rows == 3


def test_csv_keeps_paragraphs_in_one_quoted_cell_and_lists_as_json(versions: Path) -> None:
    (versions / "data/channel9-3.jsonl").write_bytes(
        lines(
            article(
                "p",
                "2024-05-05",
                text='Satu, "dua".\n\nTiga; empat.',
                tags=["Pemilu 2024", 'Kata "kunci", lain'],
            )
        )
    )

    assert dataset(versions, "-o", "ds.csv").returncode == 0

    raw = (versions / "ds.csv").read_bytes()
    assert raw.startswith(b"url,title,category,categories,tags,author,published_date,")
    assert b'"Satu, ""dua"".\n\nTiga; empat."' in raw
    row = csv_rows(versions / "ds.csv")[2]
    assert row["url"] == f"{SITE}/p/"
    assert row["text"] == 'Satu, "dua".\n\nTiga; empat.'
    assert json.loads(row["tags"]) == ["Pemilu 2024", 'Kata "kunci", lain']
    assert row["author"] == ""
    assert row["crawled_at"] == "2024-05-03T01:02:03+00:00"


def test_the_card_tells_what_was_built_from_what(versions: Path) -> None:
    env = {"SOURCE_DATE_EPOCH": "1717977600"}
    killed = versions / "data/channel9-3.jsonl"
    killed.write_bytes(lines(article("k", "2024-06-10")))
    state = CrawlState(versions / "data/channel9-state.sqlite3")
    state.start_run("3", "2024-06-12T00:00:00+00:00", str(killed))
    state.close()

    done = dataset(versions, "-o", "out/ds.jsonl", "--since", "2024-04-01", env=env)

    assert done.returncode == 0, done.stderr
    card = (versions / "out/ds.md").read_text(encoding="utf-8").splitlines()
    held = "data/channel9-state.sqlite3"
    at = card.index("# ds.jsonl: news articles of channel9.id")
    assert card[at : at + 16] == [
        "# ds.jsonl: news articles of channel9.id",
        "",
        "Indonesian news articles from [channel9.id](https://channel9.id/), one row per"
        " article, crawled with channel9, a Scrapy project. Each article is in the dataset"
        " once, in its latest version; rows are ordered by publication day, then URL.",
        "",
        "- **Articles:** 4, published 2024-04-30 to 2024-06-10",
        "- **Built:** 2024-06-10T00:00:00+00:00 with"
        " `scrapy dataset -o out/ds.jsonl --since 2024-04-01`",
        "- **From:** 3 run files, channel9-1.jsonl to channel9-3.jsonl",
        "- **Runs:** 3 known to the crawl state, 1 of them failed (2: their articles are in,"
        " check their reports); 1 never finished (3)",
        "- **Categories:** as the pages name them, and every listing that showed the article"
        f" ({held})",
        "- **Languages:** `id` 75.0%, `la` 25.0% (`language`, `language_score`: py3langid's"
        " reading of the first 600 characters of the text; an article in another language"
        " is kept and marked so, not dropped)",
        "- **Near-duplicates:** 1 cluster of more than one article (3 articles in all)."
        " `duplicate_cluster` names each cluster by its earliest article in this dataset; a"
        " cluster joins texts whose MinHash sketches share a band and agree on at least 50% of"
        " their values, and chains (A like B and B like C are one). Nothing is dropped: keep"
        " the rows whose `duplicate_cluster` is empty or their own `url` to have each text"
        " once.",
        "- **Schema:** one article is described by [ds.schema.json](ds.schema.json)"
        " (JSON Schema 2020-12)",
        "",
        "## Fields",
        "",
        "| field | type | filled | meaning |",
    ]
    assert "| `image_url` | string | 0.0% | The article's main picture. |" in card
    assert "| `categories` | array of strings | 100.0% |" in "\n".join(card)
    at = card.index("### Articles per main category")
    assert card[at + 2 : card.index("## How to cite")] == [
        "| main category | articles |",
        "|---|---:|",
        "| Nasional | 4 |",
        "",
        "### Articles listed under each category",
        "",
        "| category | articles |",
        "|---|---:|",
        "| Nasional | 4 |",
        "| Opini | 2 |",
        "| Ekonomi & Bisnis | 1 |",
        "",
        "## Articles per month",
        "",
        "![Articles per month](ds.png)",
        "",
        "| month | articles |",
        "|---|---:|",
        "| 2024-04 | 1 |",
        "| 2024-05 | 1 |",
        "| 2024-06 | 2 |",
        "",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2024-02-30"], "--since 2024-02-30 is not a day (YYYY-MM-DD)"),
        (["--until", "kemarin"], "--until kemarin is not a day (YYYY-MM-DD)"),
        (["--until", "2024-W01-1"], "--until 2024-W01-1 is not a day (YYYY-MM-DD)"),
        (
            ["--since", "2024-06-01", "--until", "2024-05-01"],
            "--since 2024-06-01 is after --until 2024-05-01",
        ),
    ],
)
def test_bad_days_are_refused(versions: Path, args: list[str], message: str) -> None:
    done = dataset(versions, "-o", "ds.csv", *args)

    assert error_of(done) == f"scrapy dataset: error: {message}"
    assert not (versions / "ds.csv").exists()


def test_an_unknown_format_is_refused(versions: Path) -> None:
    done = dataset(versions, "-o", "ds.xlsx")

    assert error_of(done) == "scrapy dataset: error: -o must end in .jsonl, .parquet, .csv: ds.xlsx"


def test_a_damaged_crawl_state_is_refused_not_ignored(versions: Path) -> None:
    (versions / "data/channel9-state.sqlite3").write_bytes(b"SQLite format 3\x00" + b"\x07" * 500)

    done = dataset(versions, "-o", "ds.parquet")

    assert error_of(done, 1) == (
        "scrapy dataset: error: cannot read the crawl state data/channel9-state.sqlite3:"
        " file is not a database"
    )
    assert sorted(path.name for path in versions.iterdir()) == ["data"]


def test_without_a_crawl_state_the_card_says_categories_are_the_pages_own(
    versions: Path,
) -> None:
    (versions / "data/channel9-state.sqlite3").unlink()

    assert dataset(versions, "-o", "ds.parquet", "-s", "CHANNEL9_STATE=").returncode == 0

    rows = pq.read_table(versions / "ds.parquet").to_pylist()
    assert rows[1]["categories"] == ["Nasional", "Ekonomi & Bisnis"]
    card = (versions / "ds.md").read_text(encoding="utf-8")
    assert (
        "- **Runs:** built without the crawl state (CHANNEL9_STATE empty): their verdicts unknown\n"
    ) in card


def test_the_version_fetched_last_wins_whatever_the_files_are_called(tmp_path: Path) -> None:
    """Scrapyd names its item files by job id, which sorts in no order of time."""
    (tmp_path / "items").mkdir()
    newer = article("a", title="Baru", crawled_at="2024-06-01T00:00:00+00:00")
    older = article("a", title="Lama", crawled_at="2024-05-01T00:00:00+00:00")
    (tmp_path / "items/0f3a.jl").write_bytes(lines(newer))
    (tmp_path / "items/9c1b.jl").write_bytes(lines(older, article("b")))

    done = dataset(tmp_path, "-o", "ds.jsonl", "items/0f3a.jl", "items/9c1b.jl", *NO_STATE)

    assert done.returncode == 0, done.stderr
    assert built_lines(tmp_path / "ds.jsonl") == lines(newer, article("b"))


def test_a_json_array_feed_is_read_as_scrapy_writes_it_whole_or_cut_short(tmp_path: Path) -> None:
    # -O out.json: Scrapy's JSON exporter, as the feed runs it; a killed run's array has
    # no closing bracket.
    feed = io.BytesIO()
    # Two runs into the same file with -o: the second array begins on the first's last line.
    for items in ((A_1, B_1), (B_1,)):
        exporter = JsonItemExporter(feed, indent=0)  # as FEED_EXPORT_INDENT gives it
        exporter.start_exporting()
        for item in items:
            exporter.export_item(item)
        exporter.finish_exporting()
    (tmp_path / "1.json").write_bytes(feed.getvalue())
    # Appended by -o after a killed run: its array has no closing bracket, the next begins.
    (tmp_path / "2.json").write_bytes(
        b"[\n" + json.dumps(A_2).encode() + b"\n[\n" + json.dumps(B_1).encode() + b"\n]"
    )

    done = dataset(tmp_path, "-o", "ds.jsonl", "1.json", "2.json", *NO_STATE)

    assert (done.returncode, done.stderr) == (0, "")
    assert built_lines(tmp_path / "ds.jsonl") == MERGED


@pytest.mark.parametrize("feed", ["out.csv", "out.XML"])
def test_a_feed_of_another_format_is_refused(tmp_path: Path, feed: str) -> None:
    (tmp_path / feed).write_text("url,title\nhttps://channel9.id/a/,A\n", encoding="utf-8")

    done = dataset(tmp_path, "-o", "ds.jsonl", feed, *NO_STATE)

    assert error_of(done) == (
        f"scrapy dataset: error: {feed} is a feed of another format than JSON: the dataset"
        " reads the items as JSON lines (-O out.jsonl) or a JSON array (-O out.json)"
    )


def test_run_files_without_their_crawl_state_are_refused(versions: Path) -> None:
    (versions / "data/channel9-state.sqlite3").unlink()

    done = dataset(versions, "-o", "ds.parquet")

    assert error_of(done) == (
        "scrapy dataset: error: no crawl state at data/channel9-state.sqlite3 to tell which"
        " listings showed each article: build where the crawls run (CHANNEL9_DATA_DIR), or give -s"
        " CHANNEL9_STATE= to keep the categories the pages name"
    )


def test_the_data_folder_setting_says_where_runs_and_state_are(versions: Path) -> None:
    (versions / "data").rename(versions / "store")

    done = dataset(versions, "-o", "ds.parquet", "-s", "CHANNEL9_DATA_DIR=store")

    assert done.returncode == 0, done.stderr
    rows = pq.read_table(versions / "ds.parquet").to_pylist()
    assert rows[1]["categories"] == ["Nasional", "Ekonomi & Bisnis", "Opini"]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--categroy", "opini"], {}, "unknown option: --categroy"),
        (["--category", "olahraga"], {}, "--category olahraga names no category of these articles"),
        (
            [],
            {"SOURCE_DATE_EPOCH": "kemarin"},
            "SOURCE_DATE_EPOCH='kemarin' is no number of seconds",
        ),
    ],
)
def test_a_misspelt_option_or_a_bad_build_date_is_refused(
    versions: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    done = dataset(versions, "-o", "ds.csv", *args, env=env)

    assert error_of(done) == f"scrapy dataset: error: {message}"
    assert sorted(path.name for path in versions.iterdir()) == ["data"]


@pytest.mark.parametrize("companion", ["ds.md", "ds.png", "ds.schema.json", "ds.croissant.json"])
def test_a_card_file_that_is_a_link_is_refused(versions: Path, companion: str) -> None:
    (versions / "kept.txt").write_text("kept\n")
    (versions / companion).symlink_to(versions / "kept.txt")

    done = dataset(versions, "-o", "ds.parquet")

    assert error_of(done) == (
        f"scrapy dataset: error: the card would replace a link, a folder or a device: {companion}"
    )
    assert (versions / "kept.txt").read_text() == "kept\n"
    assert not (versions / "ds.parquet").exists()


def test_a_label_written_otherwise_is_one_category(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "channel9-1.jsonl").write_bytes(lines(article("a", categories=["Ekonomi & Bisnis"])))
    state = CrawlState(data / "channel9-state.sqlite3")
    state.record_listed("ekonomi-bisnis", "Ekonomi &amp; Bisnis", [f"{SITE}/a/"])
    state.record_listed("ekonomi", "EKONOMI & BISNIS", [f"{SITE}/a/"])
    state.record_listed("opini", "Opini", [f"{SITE}/a/"])
    state.close()

    assert dataset(tmp_path, "-o", "ds.jsonl").returncode == 0

    row = json.loads((tmp_path / "ds.jsonl").read_text(encoding="utf-8"))
    assert row["categories"] == ["Ekonomi & Bisnis", "Ekonomi &amp; Bisnis", "Opini"]


def test_many_run_files_and_row_groups_lose_nothing(tmp_path: Path) -> None:
    """More run files than are kept open at once, more rows than one row group."""
    data = tmp_path / "data"
    data.mkdir()
    for run in range(70):
        numbers = range(run * 40, run * 40 + 40)
        days = (f"2024-{1 + number % 12:02d}-{1 + number % 28:02d}" for number in numbers)
        rows = (article(str(n), day) for n, day in zip(numbers, days, strict=True))
        (data / f"channel9-{run:03d}.jsonl").write_bytes(lines(*rows))

    done = dataset(tmp_path, "-o", "ds.parquet", *NO_STATE)

    assert done.returncode == 0, done.stderr
    table = pq.read_table(tmp_path / "ds.parquet")
    assert pq.ParquetFile(tmp_path / "ds.parquet").metadata.num_row_groups == 2
    urls = table.column("url").to_pylist()
    assert sorted(urls) == sorted(f"{SITE}/{number}/" for number in range(2800))
    keys = list(zip(table.column("published_date").to_pylist(), urls, strict=True))
    assert keys == sorted(keys)


def test_a_tie_goes_to_the_run_named_last_whatever_its_folder(tmp_path: Path) -> None:
    for folder, run, title in (("old", "20240101", "Lama"), ("data", "20250101", "Baru")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / f"channel9-{run}.jsonl").write_bytes(lines(article("a", title=title)))

    for sources in (["data", "old"], ["old", str(tmp_path / "data")]):
        done = dataset(tmp_path, "-o", "ds.jsonl", *sources, *NO_STATE)
        assert done.returncode == 0, done.stderr
        assert json.loads((tmp_path / "ds.jsonl").read_text())["title"] == "Baru"


def test_a_source_named_twice_is_read_once(workdir: Path) -> None:
    done = dataset(workdir, "-o", "ds.jsonl", "data", "data", "./data/channel9-1.jsonl")

    assert done.stdout.startswith("2 articles from 2 run files written to ds.jsonl")


def test_an_output_named_like_the_crawls_run_files_is_refused(workdir: Path) -> None:
    done = dataset(workdir, "-o", "data/channel9-all.jsonl", "data/channel9-1.jsonl")

    assert error_of(done) == (
        "scrapy dataset: error: -o is named like the run files (channel9-*.jsonl) of a folder it"
        " reads: data/channel9-all.jsonl"
    )


def test_a_pipe_among_the_sources_is_refused(workdir: Path) -> None:
    os.mkfifo(workdir / "pipe.jsonl")

    done = dataset(workdir, "-o", "ds.jsonl", "data", "pipe.jsonl")

    assert error_of(done) == "scrapy dataset: error: not a file or folder: pipe.jsonl"


def test_an_unreadable_run_file_fails_saying_so(workdir: Path) -> None:
    (workdir / "data/channel9-2.jsonl").chmod(0)
    drop_root_override = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")

    done = dataset(workdir, "-o", "ds.jsonl", prefix=drop_root_override)

    assert error_of(done, 1) == (
        "scrapy dataset: error: cannot read data/channel9-2.jsonl: [Errno 13] Permission"
        " denied: 'data/channel9-2.jsonl'"
    )
    assert sorted(path.name for path in workdir.iterdir()) == ["data"]


def test_a_run_file_rewritten_between_the_passes_stops_the_build(tmp_path: Path) -> None:
    path = tmp_path / "channel9-1.jsonl"
    path.write_bytes(lines(article("a"), article("b")))
    found = locate([path], Filters(), {})
    path.write_bytes(lines(article("b")))
    places = [place for (place,) in found.articles]

    with pytest.raises(Unreadable, match=r"channel9-1\.jsonl changed while it was read"):
        list(reread([path], places, {}))


def test_a_last_line_a_crawl_ends_between_the_passes_is_read_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "channel9-1.jsonl"
    path.write_bytes(lines(article("a"), article("b"))[:-1])  # "b" still without its end
    found = locate([path], Filters(), {})
    with path.open("ab") as file:
        file.write(b"\n" + lines(article("c")))
    places = [place for (place,) in found.articles]

    assert [row["url"] for row in reread([path], places, {})] == [
        f"{SITE}/a/",
        f"{SITE}/b/",
    ]


def test_a_json_arrays_last_item_given_its_comma_between_the_passes_is_read(
    tmp_path: Path,
) -> None:
    # -O out.json writes the comma before the next item: a build while it runs.
    path = tmp_path / "out.json"
    path.write_bytes(b"[\n" + json.dumps(article("a")).encode())
    found = locate([path], Filters(), {})
    with path.open("ab") as file:
        file.write(b",\n" + json.dumps(article("b")).encode())
    places = [place for (place,) in found.articles]

    assert [row["url"] for row in reread([path], places, {})] == [f"{SITE}/a/"]


def test_far_off_dates_list_only_the_months_that_have_articles(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "channel9-1.jsonl").write_bytes(
        lines(article("a", "0201-01-01"), article("b", "2024-05-01"), article("c", "9999-12-31"))
    )

    done = dataset(tmp_path, "-o", "ds.jsonl", *NO_STATE)

    assert done.returncode == 0, done.stderr
    card = (tmp_path / "ds.md").read_text(encoding="utf-8")
    assert "| 0201-01 | 1 |\n| 2024-05 | 1 |\n| 9999-12 | 1 |\n\n## How to cite" in card


@pytest.mark.parametrize("name", list(SCHEMA.schema["properties"]))
@pytest.mark.parametrize(
    "value",
    [
        *(None, "", 5, [], ["x"], "2024-05-01", "2024-05-01T10:00:00+07:00", "https://a.b/"),
        *("about:blank", "https://a b/c", "2024-05-01 10:00:00+07:00", "2024-05-01T10:00+07:00"),
        *("2024-05-01t10:00:00.5z", "20240501T100000+0700", "2024-W01-1T00:00:00+00:00"),
    ],
)
def test_a_line_is_an_article_exactly_when_the_schema_says_so(name: str, value: object) -> None:
    """The dataset's own check of a line and the shipped schema never disagree."""
    item = {**article("a"), name: value}

    assert (article_of(json.dumps(item).encode()) is not None) == SCHEMA.is_valid(item)


def test_runs_whose_files_are_gone_are_named(versions: Path) -> None:
    state = CrawlState(versions / "data/channel9-state.sqlite3")
    state.start_run("9", "2024-06-20T00:00:00+00:00", str(versions / "items/9.jl"))
    state.finish_run("9", "2024-06-20T00:01:00+00:00", "finished", None, [], 5, 0, {})
    state.start_run("10", "2024-06-21T00:00:00+00:00", str(versions / "items/10.jl"))
    state.finish_run("10", "2024-06-21T00:01:00+00:00", "finished", None, [], 0, 0, {})
    state.close()

    done = dataset(versions, "-o", "ds.jsonl")

    assert done.returncode == 0, done.stderr
    gone = (
        "the files of 1 run the crawl state knows are gone (9): the articles only they held"
        " are not in the dataset"
    )
    assert done.stderr == f"scrapy dataset: warning: {gone}\n"
    assert f"- **Left out:** {gone}\n" in (versions / "ds.md").read_text(encoding="utf-8")


def test_runs_whose_files_were_not_read_stop_the_build_unless_allowed(versions: Path) -> None:
    """A crawl told to write elsewhere (``-O``) is a run of the state all the same: a
    build without its file says so first, writes nothing and fails, unless told to."""
    (versions / "items").mkdir()
    (versions / "items/job1.jl").write_bytes(lines(article("j", "2024-06-01")))
    state = CrawlState(versions / "data/channel9-state.sqlite3")
    state.start_run("9", "2024-06-20T00:00:00+00:00", str(versions / "items/job1.jl"))
    state.finish_run("9", "2024-06-20T00:01:00+00:00", "finished", None, [], 1, 0, {})
    state.close()

    refused = dataset(versions, "-o", "ds.jsonl", "--since", "2024-01-01")
    written = sorted(path.name for path in versions.iterdir())
    allowed = dataset(versions, "-o", "ds.jsonl", "--allow-missing")
    named = dataset(versions, "-o", "all.jsonl", "data", "items/job1.jl")

    assert error_of(refused, status=1) == (
        "scrapy dataset: error: the crawl state knows 1 run whose files would not be read"
        f" ({versions / 'items/job1.jl'}): build with them (scrapy dataset -o ds.jsonl"
        f" --since 2024-01-01 data {versions / 'items/job1.jl'}) or without their articles"
        " (--allow-missing); nothing written"
    )
    assert len(refused.stderr.splitlines()) == 1
    assert written == ["data", "items"]
    unread = (
        "the files of 1 run the crawl state knows were not read"
        f" ({versions / 'items/job1.jl'}): name them to have their articles"
    )
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stderr == f"scrapy dataset: warning: {unread}\n"
    assert allowed.stdout.startswith("4 articles from 2 run files written to ds.jsonl")
    card = (versions / "ds.md").read_text(encoding="utf-8")
    assert f"- **Left out:** {unread}\n" in card
    assert "scrapy dataset -o ds.jsonl --allow-missing" in card
    assert named.returncode == 0, named.stderr
    assert named.stderr == ""
    assert named.stdout.startswith("5 articles from 3 run files written to all.jsonl")


def test_a_run_that_exported_to_no_local_file_is_warned_of(versions: Path) -> None:
    """A crawl whose feed went to stdout (``-o -:jsonl``) or a remote store: the state
    counts its articles as exported, and no file a build could read holds them (not one
    named ``None`` either). Warned of, as a run whose file is gone: refused, it would
    refuse every build after it."""
    state = CrawlState(versions / "data/channel9-state.sqlite3")
    state.start_run("9", "2024-06-20T00:00:00+00:00", None)
    state.finish_run("9", "2024-06-20T00:01:00+00:00", "finished", None, [], 13, 0, {})
    state.close()
    (versions / "None").write_text("", encoding="utf-8")

    done = dataset(versions, "-o", "ds.jsonl")

    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        "scrapy dataset: warning: the files of 1 run the crawl state knows are gone"
        " (9: no local file): the articles only they held are not in the dataset\n"
    )


def test_a_killed_runs_articles_are_counted_so_its_file_must_be_read(versions: Path) -> None:
    """A run killed (``kill -9``) never records its end: the articles it exported are
    counted as it exports them, so that a build without its file, or after it is gone,
    says so as for a run that ended."""
    (versions / "items").mkdir()
    (versions / "items/killed.jl").write_bytes(lines(article("k", "2024-06-01")))
    state = CrawlState(versions / "data/channel9-state.sqlite3")
    state.start_run("9", "2024-06-20T00:00:00+00:00", str(versions / "items/killed.jl"))
    state.record_exported([f"{SITE}/k/"], f"{SITE}/k/", "h", Published(), "t", "9")
    state.start_run("10", "2024-06-21T00:00:00+00:00", str(versions / "items/gone.jl"))
    state.record_exported([f"{SITE}/g/"], f"{SITE}/g/", "h", Published(), "t", "10")
    state.start_run("11", "2024-06-22T00:00:00+00:00", str(versions / "items/none.jl"))
    state.close()

    refused = dataset(versions, "-o", "ds.jsonl")
    allowed = dataset(versions, "-o", "ds.jsonl", "--allow-missing")

    assert error_of(refused, status=1).startswith(
        "scrapy dataset: error: the crawl state knows 1 run whose files would not be read"
        f" ({versions / 'items/killed.jl'})"
    )
    # The run killed before its first article wrote no file: nothing of it is lost.
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stderr.splitlines()[0] == (
        "scrapy dataset: warning: the files of 1 run the crawl state knows are gone (10):"
        " the articles only they held are not in the dataset"
    )


@pytest.mark.slow
def test_a_state_in_a_folder_the_reader_may_not_write_is_read_with_a_crawls_writes(
    versions: Path,
) -> None:
    """Another user's state: SQLite cannot make its shared-memory file there, yet reads
    what a running crawl committed."""
    drop_root_override = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    (versions / "out").mkdir()
    (versions / "data").chmod(0o555)
    try:
        done = dataset(versions, "-o", "out/ds.jsonl", prefix=drop_root_override)
        crawling = CrawlState(versions / "data/channel9-state.sqlite3")
        crawling.record_listed("hukum", "Hukum", [f"{SITE}/b/"])
        crawling.commit()
        try:
            again = dataset(versions, "-o", "out/again.jsonl", prefix=drop_root_override)
        finally:
            crawling.close()
    finally:
        (versions / "data").chmod(0o755)

    assert done.returncode == again.returncode == 0, done.stderr + again.stderr
    rows = [json.loads(line) for line in (versions / "out/ds.jsonl").read_text().splitlines()]
    assert rows[1]["categories"] == ["Nasional", "Ekonomi & Bisnis", "Opini"]
    rows = [json.loads(line) for line in (versions / "out/again.jsonl").read_text().splitlines()]
    assert rows[1]["categories"] == ["Nasional", "Ekonomi & Bisnis", "Hukum", "Opini"]


def test_a_crawl_does_not_load_what_only_the_dataset_needs() -> None:
    """Scrapy imports every command at each start: pyarrow, matplotlib, NumPy, datasketch
    and py3langid would add about a second and 100 MB to every crawl."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, channel9.commands.dataset, channel9.commands.runs;"
            " print(sorted({'pyarrow', 'matplotlib', 'numpy', 'datasketch', 'py3langid'}"
            " & set(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    assert loaded.stdout == "[]\n"


def test_a_label_with_a_bar_keeps_the_cards_table_whole(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    item = article("a", category="Hukum | Kriminal", categories=["Hukum | Kriminal"])
    (data / "channel9-1.jsonl").write_bytes(lines(item))

    assert dataset(tmp_path, "-o", "ds.csv", *NO_STATE).returncode == 0

    assert "\n| Hukum \\| Kriminal | 1 |\n" in (tmp_path / "ds.md").read_text(encoding="utf-8")


def test_a_crawl_ending_as_the_files_are_listed_does_not_stop_the_build(versions: Path) -> None:
    """A cron crawl may end while the build lists the run files: its file, listed or not,
    is no run the build left out (the runs are read first; the next build has it)."""
    listed = dataset_command.run_files

    def then_a_crawl_ends(sources: list[str]) -> list[Path]:
        files = listed(sources)
        late = versions / "data/channel9-3.jsonl"
        late.write_text('{"url": "https://channel9.id/z/"}\n', encoding="utf-8")
        state = CrawlState(versions / "data/channel9-state.sqlite3")
        state.start_run("3", "2024-06-12T00:00:00+00:00", str(late.resolve()))
        state.finish_run("3", "2024-06-12T00:10:00+00:00", "finished", None, [], 1, 0, {})
        state.close()
        return files

    with mock.patch.object(dataset_command, "run_files", then_a_crawl_ends):
        done = dataset(versions, "-o", "ds.jsonl")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("4 articles from 2 run files written to ds.jsonl")


def test_damaged_refusals_beside_the_state_do_not_stop_the_build(versions: Path) -> None:
    """The refused runs wrote no file: the build does not read them, nor fails on them."""
    refusals = versions / "data/channel9-state.sqlite3.refused"
    refusals.write_bytes(b'\n{"run_id": "3", "sta\n')

    done = dataset(versions, "-o", "ds.jsonl")

    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_a_build_without_an_article_keeps_the_dataset_it_would_replace(versions: Path) -> None:
    """Filtered to nothing: an empty dataset would take the place of a full one."""
    assert dataset(versions, "-o", "ds.parquet").returncode == 0
    before = {path.name: path.read_bytes() for path in versions.iterdir() if path.is_file()}

    done = dataset(versions, "-o", "ds.parquet", "--until", "2000-01-01")

    assert error_of(done, status=1) == (
        "scrapy dataset: error: no article of 2 run files matches --until 2000-01-01:"
        " nothing written; the previous ds.parquet kept"
    )
    assert len(done.stderr.splitlines()) == 1
    after = {path.name: path.read_bytes() for path in versions.iterdir() if path.is_file()}
    assert after == before
    assert sorted(before) == [
        "ds.croissant.json",
        "ds.md",
        "ds.parquet",
        "ds.png",
        "ds.schema.json",
    ]


def test_run_files_without_a_valid_line_give_no_dataset(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/channel9-1.jsonl").write_bytes(
        lines(article("a", url="x"), article("b", title=None)) + b"[1]\n"
    )

    done = dataset(tmp_path, "-o", "ds.jsonl", *NO_STATE)

    assert error_of(done, status=1) == (
        "scrapy dataset: error: no article in 1 run file (3 lines that are no article, the"
        " first data/channel9-1.jsonl:1): nothing written"
    )
    assert len(done.stderr.splitlines()) == 1
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("README.md", b"# notes\n"),
        ("README.md", b"---\ntitle: notes\n---\n"),
        ("README.png", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x00IEND\xaeB`\x82"),
        ("README.schema.json", b'{"$id": "https://example.org/other.json"}\n'),
        ("README.schema.json", b"not json\n"),
        ("README.croissant.json", b'{"creator": {"name": "someone"}}\n'),
    ],
)
def test_a_file_beside_the_output_that_no_build_wrote_is_not_replaced(
    workdir: Path, name: str, content: bytes
) -> None:
    (workdir / name).write_bytes(content)

    done = dataset(workdir, "-o", "README.parquet")

    assert error_of(done) == (
        f"scrapy dataset: error: -o README.parquet would replace {name}, which scrapy dataset"
        " did not write: name it otherwise"
    )
    assert (workdir / name).read_bytes() == content
    assert sorted(path.name for path in workdir.iterdir()) == sorted(["data", name])


def test_a_card_plot_and_schema_a_build_wrote_are_replaced(workdir: Path) -> None:
    assert dataset(workdir, "-o", "ds.jsonl").returncode == 0
    (workdir / "data/channel9-3.jsonl").write_bytes(lines(article("c", "2024-05-09")))

    done = dataset(workdir, "-o", "ds.jsonl")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("3 articles from 3 run files written to ds.jsonl")
    assert "- **Articles:** 3, " in (workdir / "ds.md").read_text(encoding="utf-8")


def test_the_commands_shown_read_from_the_settings_given(versions: Path) -> None:
    """The suggested command and the card's, pasted as shown in another folder, read the
    same state and run files; the card counts every run the state knows, those whose
    files were not read too."""
    job = versions / "items/job1.jl"
    job.parent.mkdir()
    job.write_bytes(lines(article("j", "2024-06-01")))
    state = CrawlState(versions / "data/channel9-state.sqlite3")
    state.start_run("9", "2024-06-20T00:00:00+00:00", str(job))
    state.finish_run("9", "2024-06-20T00:01:00+00:00", "finished", None, [], 1, 0, {})
    state.close()
    given = f"CHANNEL9_DATA_DIR={versions / 'data'}"
    elsewhere = versions / "elsewhere"
    elsewhere.mkdir()

    refused = dataset(versions, "-s", given, "-o", "ds.jsonl")
    allowed = dataset(versions, "-s", given, "-o", "some.jsonl", "--allow-missing")

    suggested = f"scrapy dataset -s {given} -o ds.jsonl {versions / 'data'} {job}"
    assert error_of(refused, status=1).startswith(
        "scrapy dataset: error: the crawl state knows 1 run whose files would not be read"
        f" ({job}): build with them ({suggested}) or without"
    )
    assert allowed.returncode == 0, allowed.stderr
    card = (versions / "some.md").read_text(encoding="utf-8")
    assert f"`scrapy dataset -s {given} -o some.jsonl --allow-missing`" in card
    assert (
        "- **Runs:** 3 known to the crawl state, 2 of them in the files read, 1 of those"
        " failed (2: their articles are in, check their reports)\n" in card
    )
    pasted = dataset(elsewhere, *suggested.split()[2:])
    assert pasted.returncode == 0, pasted.stderr
    assert pasted.stdout.startswith("5 articles from 3 run files written to ds.jsonl")
    assert "- **Runs:** 3 known to the crawl state, 1 of them failed" in (
        elsewhere / "ds.md"
    ).read_text(encoding="utf-8")


@deferred_f_from_coro_f
async def test_revisions_give_every_version_of_an_article_edited_twice_across_runs(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=12, doors=True)
    slug = site.order[3]
    edits = [
        datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA),
        datetime(2026, 12, 2, 9, 0, tzinfo=JAKARTA),
    ]
    with serve(site) as base_url:
        runs = [await crawl_in_process(tmp_path, base_url)]
        for moment in edits:
            site.edit(slug)
            site.articles[slug].modified = moment
            runs.append(await crawl_in_process(tmp_path, base_url, "-a", "full=1"))
        texts = site.articles[slug].paragraphs
    assert [run.returncode for run in runs] == [0, 0, 0], runs[-1].log
    url = f"{base_url}/{slug}/"

    done = dataset(tmp_path, "-o", "revisions.jsonl", "--revisions")
    latest = dataset(tmp_path, "-o", "latest.jsonl")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("12 articles (14 versions) from 3 run files written to ")
    rows = [json.loads(line) for line in (tmp_path / "revisions.jsonl").read_text().splitlines()]
    assert len(rows) == 14
    assert [(row["revision"], row["changed"]) for row in rows if row["url"] != url] == [
        (1, [])
    ] * 11
    versions = [row for row in rows if row["url"] == url]
    assert [(row["revision"], row["changed"]) for row in versions] == [
        (1, []),
        (2, ["modified_at", "text"]),
        (3, ["modified_at", "text"]),
    ]
    assert [row["modified_at"] for row in versions] == [None, *(e.isoformat() for e in edits)]
    assert [row["text"].count("Ralat ke-") for row in versions] == [0, 1, 2]
    assert versions[-1]["text"] == "\n\n".join(texts)
    # The default output: the latest version alone, as the last revision has it.
    assert latest.returncode == 0, latest.stderr
    (only,) = [
        json.loads(line)
        for line in (tmp_path / "latest.jsonl").read_text().splitlines()
        if json.loads(line)["url"] == url
    ]
    assert only == {k: v for k, v in versions[-1].items() if k not in ("revision", "changed")}
    assert "every version of each article" in (tmp_path / "revisions.md").read_text()


SEED_TEXT = json.loads((FIXTURES / "seed_article.json").read_text(encoding="utf-8"))["text"]
"""A real article of Channel9.id, in Indonesian."""
MALAY = [
    "Kerajaan negeri akan memperuntukkan sejumlah RM50 juta bagi menaik taraf jalan raya di"
    " kawasan luar bandar, kata Menteri Besar dalam satu kenyataan semalam.",
    "Menurut beliau, pihaknya sedang meneliti laporan tersebut sebelum sebarang keputusan"
    " dibuat mengenai cadangan itu.",
    "Beliau berkata demikian kepada pemberita selepas merasmikan majlis pelancaran program itu"
    " di Kuala Lumpur hari ini.",
]
ENGLISH = [
    "The central bank kept its benchmark rate unchanged on Thursday, saying inflation had"
    " eased for a third straight month while growth remained steady.",
    "Analysts had expected the decision, though several said a cut could come before the end"
    " of the year if the currency holds.",
]


@deferred_f_from_coro_f
async def test_each_article_is_marked_with_its_language_and_none_is_dropped(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=12)
    for page in site.articles.values():
        page.paragraphs = SEED_TEXT.split("\n\n")
    malay, english = (site.articles[slug] for slug in site.order[4:6])
    malay.paragraphs, english.paragraphs = list(MALAY), list(ENGLISH)
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url)
    assert run.returncode == 0, run.log

    done = dataset(tmp_path, "-o", "ds.parquet")

    assert done.returncode == 0, done.stderr
    rows = pq.read_table(tmp_path / "ds.parquet").to_pylist()
    languages = {row["url"].rsplit("/", 2)[1]: row["language"] for row in rows}
    assert languages == {
        slug: {site.order[4]: "ms", site.order[5]: "en"}.get(slug, "id") for slug in site.order
    }
    assert all(0 < row["language_score"] <= 1 for row in rows), rows
    card = (tmp_path / "ds.md").read_text(encoding="utf-8")
    assert "- **Languages:** `id` 83.3%, `en` 8.3%, `ms` 8.3% (" in card


@deferred_f_from_coro_f
async def test_a_repost_under_another_slug_is_clustered_with_the_earlier_article(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=12)
    later, earlier = (site.articles[slug] for slug in (site.order[2], site.order[7]))
    later.paragraphs = [*earlier.paragraphs, "Baca juga: Harga beras naik lagi."]
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url)
    assert run.returncode == 0, run.log

    done = dataset(tmp_path, "-o", "ds.parquet")

    assert done.returncode == 0, done.stderr
    rows = pq.read_table(tmp_path / "ds.parquet").to_pylist()
    first = f"{base_url}/{earlier.slug}/"
    assert {row["url"]: row["duplicate_cluster"] for row in rows} == {
        f"{base_url}/{slug}/": first if slug in (later.slug, earlier.slug) else None
        for slug in site.order
    }
    card = (tmp_path / "ds.md").read_text(encoding="utf-8")
    assert "- **Near-duplicates:** 1 cluster of more than one article (2 articles in all)." in card


@deferred_f_from_coro_f
async def test_the_croissant_file_describes_the_dataset_as_mlcroissant_reads_it(
    tmp_path: Path,
) -> None:
    with serve(FakeSite(count=12)) as base_url:
        run = await crawl_in_process(tmp_path, base_url)
    assert run.returncode == 0, run.log

    done = dataset(tmp_path, "-o", "ds.parquet")

    assert done.returncode == 0, done.stderr
    path = tmp_path / "ds.croissant.json"
    metadata = json.loads(path.read_text(encoding="utf-8"))
    (file,) = metadata["distribution"]
    data = (tmp_path / "ds.parquet").read_bytes()
    assert (file["contentUrl"], file["sha256"]) == ("ds.parquet", hashlib.sha256(data).hexdigest())
    (records,) = metadata["recordSet"]
    assert [field["name"] for field in records["field"]] == [
        *(field.name for field in fields(Article)),
        "language",
        "language_score",
        "duplicate_cluster",
    ]
    for name in ("dataCollection", "dataLimitations", "personalSensitiveInformation"):
        assert metadata[f"rai:{name}"]
    assert metadata["rai:dataUseCases"]
    # The reference reader finds no issue, not even a warning, and reads every row.
    # Imported here: mlcroissant loads pandas, networkx and Hugging Face's hub, 1.5 s that
    # every worker would spend collecting the tests.
    import mlcroissant as mlc

    croissant = mlc.Dataset(jsonld=path)
    assert croissant.metadata.issues.report() == ""
    urls = {row["articles/url"].decode() for row in croissant.records(record_set="articles")}
    assert urls == {f"{base_url}/{slug}/" for slug in FakeSite(count=12).order}
