"""Benchmark: the near-duplicate threshold, on real articles and copies of them.

Run: ``.venv/bin/python benchmarks/near_duplicates.py [--folder ../shared/wcxb-dev]``.
The texts are the hand-checked article texts of WCXB's WordPress pages (CC-BY-4.0), from
about 340 sites: no two are copies of each other. Each is copied the ways news is
republished (seeded), and the sketches' similarity (:mod:`channel9.dataset.duplicates`)
is reported for the copies, by kind, and for every pair of distinct articles, with the
share of copies each threshold finds and the distinct pairs it would join.
Where the folder is absent it says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channel9.dataset.duplicates import THRESHOLD, clusters, similarity, sketch  # noqa: E402

FOLDER = Path(os.environ.get("CHANNEL9_WCXB", ROOT.parent / "shared" / "wcxb-dev"))
SHORTEST = 150
"""Words: shorter texts (captions, teasers) are left out of the measure."""


def paragraphs(text: str) -> list[str]:
    return [part for part in text.split("\n") if part.strip()]


def repost(text: str, other: str, rnd: random.Random) -> str:
    """The same text under a new slug."""
    return text


def with_lines(text: str, other: str, rnd: random.Random) -> str:
    """A "read also" line with another article's opening, and the editor's name."""
    parts = paragraphs(text)
    parts.insert(min(2, len(parts)), "Baca juga: " + " ".join(other.split()[:12]))
    return "\n".join([*parts, "(Editor: Hendra Yusuf)"])


def new_lead(text: str, other: str, rnd: random.Random) -> str:
    """A wire copy with its own first paragraph (another article's) and dateline."""
    parts = paragraphs(text)
    return "\n".join(["JAKARTA - " + paragraphs(other)[0], *parts[1:]])


def cut(text: str, other: str, rnd: random.Random) -> str:
    """A copy that stops after two thirds of the text's words."""
    words = text.split()
    return " ".join(words[: len(words) * 2 // 3])


def edited(text: str, other: str, rnd: random.Random) -> str:
    """A copy where one word in fifty is another (typos fixed, names spelt otherwise)."""
    words = text.split()
    for index in rnd.sample(range(len(words)), len(words) // 50):
        words[index] = rnd.choice(other.split())
    return " ".join(words)


COPIES: dict[str, Callable[[str, str, random.Random], str]] = {
    "repost": repost,
    "read-also line and editor": with_lines,
    "new lead paragraph": new_lead,
    "two thirds of it": cut,
    "1 word in 50 changed": edited,
}
THRESHOLDS = (0.5, 0.6, 0.7, 0.8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folder", type=Path, default=FOLDER)
    options = parser.parse_args()
    truth = options.folder / "dev" / "ground-truth"
    if not truth.is_dir():
        print(f"{truth} is absent: nothing measured")
        return 0
    texts = []
    for path in sorted(truth.glob("*.json")):
        text = json.loads(path.read_text(encoding="utf-8"))["ground_truth"].get("main_content")
        if text and len(text.split()) >= SHORTEST:
            texts.append(text)
    rnd = random.Random(1)
    sketches = np.array([sketch(text) for text in texts])
    distinct = np.array(
        [similarity(sketches[a], sketches[b]) for a, b in combinations(range(len(texts)), 2)]
    )
    print(f"{len(texts)} texts of {SHORTEST}+ words; {len(distinct):,} pairs of distinct articles")
    print(
        f"distinct pairs: max {distinct.max():.3f}, 99.9th percentile"
        f" {np.quantile(distinct, 0.999):.3f}, mean {distinct.mean():.4f}"
    )
    print(f"\n| copy | min | median | {' | '.join(f'found at {t}' for t in THRESHOLDS)} |")
    print(f"|---|---:|---:|{'---:|' * len(THRESHOLDS)}")
    joined = dict.fromkeys(THRESHOLDS, 0)
    for kind, copy in COPIES.items():
        copies = np.array(
            [sketch(copy(text, texts[index - 1], rnd)) for index, text in enumerate(texts)]
        )
        scores = np.array([similarity(a, b) for a, b in zip(sketches, copies, strict=True)])
        found = []
        for threshold in THRESHOLDS:
            both = np.concatenate([sketches, copies])
            firsts = clusters(both, range(len(both)), threshold)
            count = len(texts)
            found.append(np.mean([firsts[count + index] == index for index in range(count)]))
            # Originals joined with another original, through the copies or not.
            joined[threshold] += sum(
                first not in (None, index) for index, first in enumerate(firsts[:count])
            )
        shares = " | ".join(f"{share:.1%}" for share in found)
        print(f"| {kind} | {scores.min():.3f} | {np.median(scores):.3f} | {shares} |")
    print(f"| distinct articles joined | | | {' | '.join(map(str, joined.values()))} |")
    print(f"\nthe threshold in use: {THRESHOLD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
