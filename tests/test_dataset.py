"""``scrapy dataset``: the run files merged into one dataset, and nothing of theirs lost."""

from __future__ import annotations

import json
import os
import resource
import subprocess
from pathlib import Path
from typing import Any

import pytest

from channel9.state import CrawlState
from tests.conftest import SCRAPY

SITE = "https://channel9.id"


def article(slug: str, day: str | None = "2024-05-01", **fields: Any) -> dict[str, Any]:
    """An article as a run file holds it."""
    return {
        "url": f"{SITE}/{slug}/",
        "title": f"Judul {slug}",
        "category": "Nasional",
        "categories": ["Nasional"],
        "tags": [],
        "author": None,
        "published_date": day,
        "published_at": None,
        "published_raw": day,
        "published_source": "time" if day else None,
        "dateline": None,
        "text": "Paragraf satu.\n\nParagraf dua.",
        "editor": None,
        "image_url": None,
        "image_caption": None,
        "crawled_at": "2024-05-03T01:02:03+00:00",
        **fields,
    }


def lines(*articles: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(a, ensure_ascii=False).encode() + b"\n" for a in articles)


A_1 = article("a", "2024-05-02")
A_2 = article("a", "2024-05-02", title="Judul a, diperbaiki")
B_1 = article("b")
RUN_1 = lines(A_1, B_1)
RUN_2 = lines(A_2)
MERGED = lines(B_1, A_2)


def dataset(
    workdir: Path, *args: str, file_size_limit: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs the real command in ``workdir``, its files no larger than ``file_size_limit``."""

    def limit() -> None:
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"}
    return subprocess.run(
        [SCRAPY, "dataset", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
    )


def error_of(done: subprocess.CompletedProcess[str]) -> str:
    """The last stderr line of a refused command: exit status 2, no traceback, no stdout."""
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr, done.stderr
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

    assert error_of(done) == f"scrapy: error: {message}"
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
    assert (workdir / "data/all.jsonl").read_bytes() == MERGED + lines(article("n", "2024-05-03"))
    again = dataset(workdir, "-o", "data/all.jsonl")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("2 articles from 2 run files written to data/all.jsonl, ")
    assert (workdir / "data/all.jsonl").read_bytes() == MERGED


def test_a_folder_without_run_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data/dataset.jsonl").write_bytes(b'{"url": "a"}\n')

    done = dataset(tmp_path, "-o", "all.jsonl")

    assert error_of(done) == "scrapy: error: no run files (channel9-*.jsonl) in data"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]


def test_no_data_folder_is_refused(tmp_path: Path) -> None:
    done = dataset(tmp_path, "-o", "all.jsonl")

    assert error_of(done) == "scrapy: error: no such file or folder: data"
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
    assert done.stdout.splitlines() == [
        "3 articles from 3 run files written to all.jsonl, described in all.md, all.png,"
        " all.schema.json",
        *(f"skipped a broken line: data/channel9-3.jsonl:{number}" for number in range(2, 19)),
    ]
    assert (workdir / "all.jsonl").read_bytes() == MERGED + good


def test_output_into_missing_folders_creates_them(workdir: Path) -> None:
    done = dataset(workdir, "-o", "exports/2024/all.jsonl")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 articles from 2 run files written to exports/2024/all.jsonl")
    assert (workdir / "exports/2024/all.jsonl").read_bytes() == MERGED
    assert sorted(path.name for path in (workdir / "exports/2024").iterdir()) == [
        "all.jsonl",
        "all.md",
        "all.png",
        "all.schema.json",
    ]


def test_output_that_is_a_folder_is_refused(workdir: Path) -> None:
    (workdir / "exports.csv").mkdir()

    done = dataset(workdir, "-o", "exports.csv")

    assert error_of(done) == "scrapy: error: -o names a folder: exports.csv"
    assert sorted(path.name for path in workdir.iterdir()) == ["data", "exports.csv"]
    assert list((workdir / "exports.csv").iterdir()) == []


def test_output_under_a_file_is_refused(workdir: Path) -> None:
    (workdir / "notes.txt").write_bytes(b"notes\n")

    done = dataset(workdir, "-o", "notes.txt/all.jsonl")

    assert error_of(done) == (
        "scrapy: error: cannot write notes.txt/all.jsonl: [Errno 17] File exists: 'notes.txt'"
    )
    assert (workdir / "notes.txt").read_bytes() == b"notes\n"


def test_failed_write_leaves_neither_dataset_nor_partial_file(workdir: Path) -> None:
    many = (article(str(number), text="x" * 1000) for number in range(100))
    (workdir / "data/channel9-3.jsonl").write_bytes(lines(*many))

    done = dataset(workdir, "-o", "all.jsonl", file_size_limit=50_000)

    assert error_of(done) == "scrapy: error: cannot write all.jsonl: [Errno 27] File too large"
    assert sorted(path.name for path in workdir.iterdir()) == ["data"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl"], "no such file or folder: missing.jsonl"),
        (["data", "old"], "no such file or folder: old"),
    ],
)
def test_a_missing_run_file_or_folder_is_refused(
    workdir: Path, args: list[str], message: str
) -> None:
    done = dataset(workdir, "-o", "all.jsonl", *args)

    assert error_of(done) == f"scrapy: error: {message}"
    assert not (workdir / "all.jsonl").exists()


def test_output_that_is_a_link_is_refused(workdir: Path) -> None:
    (workdir / "elsewhere.jsonl").write_text("kept\n")
    (workdir / "link.jsonl").symlink_to(workdir / "elsewhere.jsonl")

    done = dataset(workdir, "-o", "link.jsonl")
    assert error_of(done).endswith("-o names a link or a device, not a file: link.jsonl")
    assert (workdir / "elsewhere.jsonl").read_text() == "kept\n"
