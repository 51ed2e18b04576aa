"""Near-duplicate articles: the same text under two URLs (a repost under a new slug, a
wire copy with its own lead or a line added), grouped so that a user can keep one.

Each text is sketched with datasketch's MinHash over its word shingles. Two articles
whose sketches are equal on one of :data:`BANDS` bands of values are compared, and are
near-duplicates when they agree on at least :data:`THRESHOLD` of their values; a cluster
is what these pairs join. The bands are sorted with NumPy: datasketch's ``MinHashLSH``
keeps a Python set per bucket, 245 MB at 100,000 articles (docs/dataset.md), where the
sorted bands need the sketches alone (26 MB, twice that for a moment).
NumPy and datasketch are imported where they are used: Scrapy imports every command at
each start, a crawl's included.
"""

from __future__ import annotations

import string
import zlib
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

SHINGLE = 5
"""Words per shingle: fewer make unrelated articles share common phrases, more let one
changed word break more shingles (docs/dataset.md)."""
PERMUTATIONS = 64
"""Values per sketch: the share of equal values tells the texts' Jaccard similarity
within about 0.06 around the threshold (one standard deviation)."""
THRESHOLD = 0.5
"""The share of equal sketch values from which two texts compared are near-duplicates. On
real articles and copies of them (``benchmarks/near_duplicates.py``, docs/dataset.md) it finds
98% or more of every kind of copy, and no two of 339 distinct articles are closer than
0.031."""
BANDS = 16
"""Bands of ``PERMUTATIONS / BANDS`` values: two texts are compared only when one band is
equal, which a pair whose sketches agree on half their values is with a chance of 0.64,
on 0.6 of 0.89, on 0.7 of 0.99. Copies are mostly closer than that (docs/dataset.md), and
a cluster is joined by any of its pairs."""
EMPTY = 0xFFFFFFFF
"""Every value of the sketch of a text without a word: none was lowered."""
PUNCTUATION = str.maketrans(dict.fromkeys(string.punctuation + "“”‘’«»–—…", " "))
"""Read as spaces: a copy that only sets its quotes or dashes otherwise is the same text."""


def shingles(text: str) -> list[int]:
    """The shingles of ``text``'s words, lower-cased, punctuation aside, each as a 32-bit
    hash: CRC-32 of each word, combined over the shingle's words."""
    import numpy as np

    words = np.array(
        [zlib.crc32(word.encode()) for word in text.lower().translate(PUNCTUATION).split()],
        np.uint64,
    )
    count = max(len(words) - SHINGLE + 1, 1)
    hashes = words[:count]
    for start in range(1, min(SHINGLE, len(words))):
        hashes = (hashes * np.uint64(0x9E3779B1) + words[start : start + count]) & np.uint64(
            0xFFFFFFFF
        )
    values: list[int] = hashes.tolist()
    return values


def sketch(text: str) -> NDArray[np.uint32]:
    """The MinHash of ``text``'s shingles: :data:`PERMUTATIONS` values."""
    values: NDArray[np.uint32] = sketches([text])[0]
    return values


def sketches(texts: list[str]) -> NDArray[np.uint32]:
    """The MinHash of each text's shingles, a row each: one ``MinHash`` cleared between
    texts, as making one costs a tenth of a sketch."""
    import numpy as np
    from datasketch import MinHash

    minhash = MinHash(
        num_perm=PERMUTATIONS,
        seed=1,
        hashfunc=int,  # the shingles are hashed already
        scheme="affine32",  # named, so that a new default never changes the clusters
    )
    made = np.empty((len(texts), PERMUTATIONS), np.uint32)
    for row, text in enumerate(texts):
        minhash.clear()
        minhash.update_batch(shingles(text))
        values = minhash.digest()
        assert values.dtype == np.uint32, values.dtype  # the scheme's, as made is
        made[row] = values
    return made


def similarity(first: NDArray[np.uint32], second: NDArray[np.uint32]) -> float:
    """The share of equal values of two sketches: their texts' estimated Jaccard
    similarity."""
    import numpy as np

    return float(np.mean(first == second))


def clusters(
    rows: NDArray[np.uint32], order: Sequence[int], threshold: float = THRESHOLD
) -> list[int | None]:
    """For each article (a row of sketch values), the first in ``order`` of its cluster;
    None for an article that has no near-duplicate (equal on a band with another, and on
    at least ``threshold`` of the values), and for a text without a word, whose sketch
    says nothing.

    A cluster is joined pairwise: A like B and B like C are one cluster, though A and C
    may differ more. The result depends on the set of texts, not on their order.
    Identical sketches are joined first and banded once, a bucket whose articles are one
    cluster already is passed over, and an article is compared with the rest of its
    bucket at once: thousands of copies of one text or one template (a caption, a daily
    price) cost seconds, not a comparison of every pair in Python."""
    import numpy as np

    count = len(rows)
    parent = np.arange(count)

    def roots(indices: NDArray[np.intp]) -> NDArray[np.intp]:
        found = parent[indices]
        while not np.array_equal(ahead := parent[found], found):
            found = ahead
        return found

    def join(indices: NDArray[np.intp]) -> None:
        """One cluster of the clusters of ``indices``."""
        tops = np.unique(roots(indices))
        parent[tops] = tops[0]
        parent[indices] = tops[0]

    worded = np.flatnonzero((rows != EMPTY).any(axis=1))  # an empty text's values: all EMPTY
    _, firsts, same = np.unique(rows_of(rows[worded]), return_index=True, return_inverse=True)
    parent[worded] = worded[firsts[same.ravel()]]  # a copy's parent: the first of its text
    distinct = worded[np.sort(firsts)]
    width = PERMUTATIONS // BANDS
    for band in range(BANDS):
        keys = rows_of(rows[distinct, band * width : (band + 1) * width])
        ranking = np.argsort(keys, kind="stable")
        ranked, ordered = distinct[ranking], keys[ranking]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1], True])
        for run in np.flatnonzero(np.diff(starts) > 1).tolist():
            bucket = ranked[starts[run] : starts[run + 1]]  # equal on this band
            if np.unique(roots(bucket)).size == 1:
                continue
            for place in range(bucket.size - 1):
                later = bucket[place + 1 :]
                later = later[roots(later) != roots(bucket[place : place + 1])]  # not joined
                shares = (rows[later] == rows[bucket[place]]).mean(axis=1)
                like = later[shares >= threshold]
                if like.size:
                    join(np.append(like, bucket[place]))
    tops = roots(np.arange(count)).tolist()
    sizes = Counter(tops)
    earliest: dict[int, int] = {}
    for index in order:  # the first met in ``order`` is its cluster's earliest
        earliest.setdefault(tops[index], index)
    return [earliest[top] if sizes[top] > 1 else None for top in tops]


def rows_of(columns: NDArray[np.uint32]) -> NDArray[np.void]:
    """Each row as one value, so that rows sort and compare whole."""
    import numpy as np

    contiguous = np.ascontiguousarray(columns)
    return contiguous.view(np.dtype((np.void, contiguous.itemsize * contiguous.shape[1])))[:, 0]
