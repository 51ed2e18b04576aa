from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from channel9.dataset.build import Filters, build
from channel9.dataset.duplicates import clusters, sketch, sketches
from channel9.dataset.workers import chunked, read_in_order
from tests.conftest import article, lines
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
