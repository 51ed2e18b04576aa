from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from channel9.dataset.build import Filters, build
from channel9.dataset.duplicates import clusters, sketch, sketches
from channel9.dataset.workers import chunked, read_in_order
from channel9.site import SITE
from tests.conftest import article, command_in_process, lines
from tests.dataset.faults import die
from tests.dataset.test_dataset import ENGLISH, MALAY, SEED_TEXT
from tests.pages.test_pages import FIXTURES

PARAGRAPHS = SEED_TEXT.split("\n\n")
OTHERS = [
    json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))["text"]
    for name in ("article_old_markup", "wordpress_article")
]
COPIES = {
    "the original": SEED_TEXT,
    "a repost with a read-also line": "\n\n".join(
        [*PARAGRAPHS[:2], "Baca juga: Harga beras naik lagi", *PARAGRAPHS[2:]]
    ),
    "another article": OTHERS[0],
    "a wire copy with its own lead": "\n\n".join(
        ["JAKARTA - Pemerintah menyampaikan kabar terbaru pada Senin.", *PARAGRAPHS[1:]]
    ),
    "a text in English": " ".join(ENGLISH),
    "two thirds of it": " ".join(SEED_TEXT.split()[: len(SEED_TEXT.split()) * 2 // 3]),
    "yet another": OTHERS[1],
    "a text in Malay": " ".join(MALAY),
}


def test_copies_of_an_article_are_one_cluster_named_by_its_earliest_others_none() -> None:
    sketches = np.array([sketch(text) for text in COPIES.values()])

    found = clusters(sketches, range(len(COPIES)))

    assert dict(zip(COPIES, found, strict=True)) == {
        "the original": 0,
        "a repost with a read-also line": 0,
        "another article": None,
        "a wire copy with its own lead": 0,
        "a text in English": None,
        "two thirds of it": 0,
        "yet another": None,
        "a text in Malay": None,
    }


def test_the_earliest_is_the_first_in_the_order_given_not_the_first_row() -> None:
    sketches = np.array([sketch(text) for text in COPIES.values()])

    found = clusters(sketches, [5, 3, 0, 1, 2, 4, 6, 7])

    assert found == [5, 5, None, 5, None, 5, None, None]


def test_the_clusters_are_the_same_whatever_the_order_of_the_rows() -> None:
    sketches = np.array([sketch(text) for text in COPIES.values()])
    expected = clusters(sketches, range(len(COPIES)))
    for seed in range(20):
        shuffled = list(range(len(COPIES)))
        random.Random(seed).shuffle(shuffled)
        rank = {row: place for place, row in enumerate(shuffled)}

        found = clusters(sketches[shuffled], [rank[row] for row in range(len(COPIES))])

        assert [None if first is None else shuffled[first] for first in found] == [
            expected[row] for row in shuffled
        ], seed


def test_texts_shorter_than_a_shingle_are_sketched_and_compared_whole() -> None:
    texts = ["Banjir.", "Banjir!", "Gempa bumi.", "Gempa"]

    found = clusters(np.array([sketch(text) for text in texts]), range(4))

    assert found == [0, 0, None, None]


def test_worker_processes_read_the_texts_as_the_build_itself_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("channel9.dataset.workers.CHUNK", 5)  # 5 chunks, 4 in flight
    texts = [*COPIES.values()] * 3
    numbered = list(enumerate(texts))

    def read(read: Callable[[list[str]], Any], workers: int) -> list[tuple[list[int], Any]]:
        return list(read_in_order(read, chunked(iter(numbered)), workers))

    pooled, here = read(sketches, 2), read(sketches, 0)
    assert (
        [held for held, _ in pooled]
        == [held for held, _ in here]
        == [
            [0, 1, 2, 3, 4],
            [5, 6, 7, 8, 9],
            [10, 11, 12, 13, 14],
            [15, 16, 17, 18, 19],
            [20, 21, 22, 23],
        ]
    )
    assert np.concatenate([made for _, made in pooled]).tolist() == [
        sketch(text).tolist() for text in texts
    ]
    assert np.concatenate([made for _, made in here]).tolist() == [
        sketch(text).tolist() for text in texts
    ]


def test_a_build_read_in_worker_processes_is_the_build_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = list(COPIES.values())
    run = tmp_path / "channel9-1.jsonl"
    run.write_bytes(
        lines(
            *(article(f"a{n}", f"2024-05-{n + 1:02d}", text=text) for n, text in enumerate(texts))
        )
    )
    here, pooled = tmp_path / "here.jsonl", tmp_path / "pooled.jsonl"
    build([run], Filters(), {}, here, ".jsonl")
    monkeypatch.setattr("channel9.dataset.build.POOL_FROM", 0)
    monkeypatch.setattr("channel9.dataset.workers.CHUNK", 3)

    build([run], Filters(), {}, pooled, ".jsonl")

    assert pooled.read_bytes() == here.read_bytes()
    clusters = [json.loads(line)["duplicate_cluster"] for line in here.read_bytes().splitlines()]
    first = "https://channel9.id/a0/"
    assert clusters == [first, first, None, first, None, first, None, None]


def test_thousands_of_copies_of_a_text_or_a_template_are_one_cluster_each() -> None:
    template = " ".join(PARAGRAPHS[:2])
    texts = [
        *(f"Harga emas hari ini Rp {1_000_000 + n} per gram. {template}" for n in range(2000)),
        *(["Foto: Dok. Channel9.id"] * 2000),
        SEED_TEXT,
    ]

    found = clusters(sketches(texts), range(len(texts)))

    assert found == [0] * 2000 + [2000] * 2000 + [None]


def test_a_worker_that_dies_is_a_named_failure_of_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "data" / "channel9-1.jsonl"
    run.parent.mkdir()
    run.write_bytes(lines(*(article(f"a{n}", text=text) for n, text in enumerate(COPIES.values()))))
    (tmp_path / "old.jsonl").write_text("the previous dataset\n")
    monkeypatch.setattr("channel9.dataset.build.POOL_FROM", 0)
    monkeypatch.setattr("channel9.dataset.build.sketches", die)

    done = command_in_process(tmp_path, "dataset", "-o", "old.jsonl", "-s", "CHANNEL9_STATE=")

    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        "scrapy dataset: error: a worker process reading the texts died (killed, or out of"
        " memory?)\n",
    )
    assert (tmp_path / "old.jsonl").read_text() == "the previous dataset\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data", "old.jsonl"]


def test_the_workers_end_when_the_build_is_stopped_by_a_signal(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    script = (
        "from channel9.dataset.workers import chunked, read_in_order\n"
        "from tests.dataset.faults import hang\n"
        "if __name__ == '__main__':\n"
        "    list(read_in_order(hang, chunked((n, str(n)) for n in range(600)), 2))\n"
    )
    build = subprocess.Popen(
        [sys.executable, "-c", script], env={**os.environ, "CHANNEL9_TEST_PIDS": str(pids)}
    )
    deadline = time.monotonic() + 30
    while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = [int(path.name) for path in pids.iterdir()]
    assert len(workers) == 2

    build.send_signal(signal.SIGTERM)

    assert build.wait(timeout=10) == -signal.SIGTERM
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(running, workers)), workers


def running(pid: int) -> bool:
    """Whether the process is there and not a zombie (nothing may reap it here)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_sketch_is_the_same_from_one_release_to_the_next() -> None:
    """The clusters of a rebuild are those of the build before it."""
    assert sketch(SEED_TEXT)[:8].tolist() == [
        22962844,
        15610813,
        3296104,
        9334939,
        10483954,
        888393,
        15077641,
        1885505,
    ]


def test_two_sketches_are_compared_only_when_a_band_is_equal_then_by_all_their_values() -> None:
    base = sketch(SEED_TEXT)
    banded = base.copy()
    banded[4:] += 1  # equal on the first band alone: 4 of 64 values
    unbanded = base.copy()
    unbanded[::4] += 1  # equal on 48 of 64 values, but on no whole band

    found = clusters(np.array([base, banded, unbanded]), range(3))

    assert found == [None, None, None]


def test_the_earliest_of_a_cluster_is_the_first_published_whatever_the_urls(
    tmp_path: Path,
) -> None:
    run = tmp_path / "channel9-1.jsonl"
    later = article("a-later", "2024-05-01", published_at="2024-05-01T18:00:00+07:00")
    first = article("z-first", "2024-05-01", published_at="2024-05-01T08:00:00+07:00")
    undated = article("0-undated", None)
    run.write_bytes(lines(*({**item, "text": SEED_TEXT} for item in (later, first, undated))))

    build([run], Filters(), {}, tmp_path / "ds.jsonl", ".jsonl")

    rows = [json.loads(line) for line in (tmp_path / "ds.jsonl").read_text().splitlines()]
    assert {row["url"]: row["duplicate_cluster"] for row in rows} == dict.fromkeys(
        (f"{SITE}/a-later/", f"{SITE}/z-first/", f"{SITE}/0-undated/"), f"{SITE}/z-first/"
    )


def test_texts_without_a_word_are_in_no_cluster() -> None:
    found = clusters(np.array([sketch(text) for text in ("…", "***", "— —", "Banjir")]), range(4))

    assert found == [None, None, None, None]
