"""Benchmark: the project's page parser and general-purpose extractors on real WordPress pages.

Run: ``.venv/bin/python benchmarks/extraction.py [--folder ../shared/wcxb-dev] [--worst 0]``.
The pages are WCXB's WordPress article pages (CC-BY-4.0): real HTML nobody here wrote,
with hand-checked ground truth. Each system reads every page; text, title, author and day
are scored as WCXB's README says, over all pages and over the pages that are not
WordPress static pages (``page-id-`` in the body's classes: a news crawler refuses those),
with the share of pages where nothing was extracted and the pages read per CPU second.
Where the folder is absent it says so and exits 0.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channel9.pages import parser  # noqa: E402

FOLDER = Path(os.environ.get("CHANNEL9_WCXB", ROOT.parent / "shared" / "wcxb-dev"))
# Relative dates ("2 days ago") are read against a fixed moment, never the clock: after
# the last page was saved (the latest true date is in March 2026).
REFERENCE = datetime(2026, 6, 1, tzinfo=timezone.utc)
# The sites are worldwide and the crawl reads dates in one site's zone (Jakarta for
# Channel9.id): here UTC, the zone of the GMT stamps WordPress's plugins print.
ZONE = timezone.utc
_WORD = re.compile(r"\w+")
_STATIC = re.compile(rb"<body[^>]*class=[\"'][^\"']*\bpage-id-\d+")


@dataclass(frozen=True)
class Page:
    """One saved page and what a person found on it."""

    name: str
    url: str
    html: bytes
    truth: dict[str, str]
    static: bool


@dataclass
class Reading:
    """What a system read off a page (empty strings where it read nothing)."""

    title: str = ""
    author: str = ""
    day: str = ""
    text: str = ""
    refusal: str = ""


def load(folder: Path) -> list[Page]:
    """The folder's pages with their ground truth, in name order."""
    found = []
    for path in sorted((folder / "dev" / "html").glob("*.html.gz")):
        name = path.name.removesuffix(".html.gz")
        record = json.loads((folder / "dev" / "ground-truth" / f"{name}.json").read_text())
        html = gzip.decompress(path.read_bytes())
        found.append(
            Page(name, record["url"], html, record["ground_truth"], bool(_STATIC.search(html)))
        )
    return found


def read_channel9(page: Page) -> Reading:
    """The project's parser, as the crawl calls it."""
    document = parser.from_html(page.html)
    result = parser.parse_article(
        document,
        page.url,
        {},
        REFERENCE,
        ZONE,
        whole=parser.is_whole(page.html.decode("utf-8", "replace")),
    )
    if result.article is None:
        return Reading(refusal=str(result.reason))
    article = result.article
    return Reading(
        article.title or "", article.author or "", article.published_date or "", article.text
    )


def read_trafilatura(page: Page) -> Reading:
    """trafilatura with its metadata, as its documentation shows."""
    import trafilatura.settings

    document = trafilatura.bare_extraction(
        page.html.decode("utf-8", "replace"), url=page.url, with_metadata=True
    )
    if not isinstance(document, trafilatura.settings.Document):
        return Reading(refusal="nothing")
    return Reading(
        document.title or "", document.author or "", document.date or "", document.text or ""
    )


def read_readability(page: Page) -> Reading:
    """readability-lxml (Mozilla Readability's port): title and body, no metadata."""
    from lxml.html import fromstring
    from readability import Document  # type: ignore[import-untyped]

    document = Document(page.html.decode("utf-8", "replace"), url=page.url)
    text = "\n\n".join(
        " ".join(block.text_content().split())
        for block in fromstring(document.summary()).iter("p", "h2", "h3", "h4", "li", "pre")
    )
    return Reading(document.short_title() or "", "", "", text)


SYSTEMS: dict[str, Callable[[Page], Reading]] = {
    "channel9": read_channel9,
    "trafilatura": read_trafilatura,
    "readability-lxml": read_readability,
}


def words(text: str) -> list[str]:
    """The text's ``\\w+`` tokens, lowercased (as WCXB scores the text)."""
    return _WORD.findall(text.lower())


def title_words(text: str) -> list[str]:
    """The title's ``\\w+`` tokens after Unicode NFKC and casefolding (as WCXB scores titles)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def text_f1(found: str, truth: str) -> float:
    """Word F1 on the multisets of lowercased ``\\w+`` tokens (0 when nothing was found)."""
    got, want = Counter(words(found)), Counter(words(truth))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def title_right(found: str, truth: str) -> bool:
    """Equal words, or the true title's words opening a longer title (the site's name
    appended) and making at least 60% of its words."""
    got, want = title_words(found), title_words(truth)
    if got == want:
        return True
    return len(want) >= 0.6 * len(got) and got[: len(want)] == want


def author_right(found: str, truth: str) -> bool:
    """At least half of the true name's words found."""
    want = words(truth)
    got = set(words(found))
    return sum(word in got for word in want) * 2 >= len(want)


def day_right(found: str, truth: str) -> bool:
    return found[:10] == truth[:10]


@dataclass
class Score:
    """Sums over pages; author and day count only the pages whose truth has one."""

    pages: int = 0
    text: float = 0.0
    title: int = 0
    authors: int = 0
    author: int = 0
    days: int = 0
    day: int = 0
    empty: int = 0

    def add(self, reading: Reading, truth: dict[str, str]) -> None:
        self.pages += 1
        self.text += text_f1(reading.text, truth.get("main_content", ""))
        self.title += title_right(reading.title, truth["title"])
        if truth.get("author"):
            self.authors += 1
            self.author += author_right(reading.author, truth["author"])
        if truth.get("publish_date"):
            self.days += 1
            self.day += day_right(reading.day, truth["publish_date"])
        self.empty += not words(reading.text)

    def row(self, name: str) -> str:
        n = self.pages or 1
        return (
            f"| {name} | {self.text / n:.4f} | {self.title / n:.3f}"
            f" | {self.author / (self.authors or 1):.3f} | {self.day / (self.days or 1):.3f}"
            f" | {self.empty / n:.1%} |"
        )


def measure(
    system: Callable[[Page], Reading], corpus: list[Page]
) -> tuple[dict[str, Reading], float]:
    """Each page's reading, and the pages read per CPU second."""
    readings, cpu = {}, 0.0
    for page in corpus:
        start = time.process_time()
        readings[page.name] = system(page)
        cpu += time.process_time() - start
    return readings, len(corpus) / cpu if cpu else 0.0


def scores(
    readings: dict[str, Reading], corpus: list[Page], read: set[str] | None = None
) -> Iterator[tuple[str, Score]]:
    """The scores on all pages, on the pages that are not static pages, and on those of
    them in ``read`` (the pages the project's parser took for articles), when given."""
    chosen = {
        "all": corpus,
        "not static": [page for page in corpus if not page.static],
    }
    if read is not None:
        chosen["read by channel9"] = [page for page in chosen["not static"] if page.name in read]
    for label, chosen_pages in chosen.items():
        score = Score()
        for page in chosen_pages:
            score.add(readings[page.name], page.truth)
        yield label, score


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=FOLDER)
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument(
        "--worst", type=int, default=0, help="list the N pages where channel9's text is worst"
    )
    args = parser.parse_args()
    if not (args.folder / "dev" / "html").is_dir():
        print(f"{args.folder} holds no WCXB pages: the extraction benchmark is skipped.")
        return
    corpus = load(args.folder)
    static = sum(page.static for page in corpus)
    print(f"{len(corpus)} pages ({static} static pages) from {args.folder}")
    print("| system (pages) | text F1 | title | author | day | nothing extracted | pages/CPU s |")
    print("|---|---|---|---|---|---|---|")
    all_readings = {}
    read = None
    for name in args.systems.split(","):
        readings, rate = measure(SYSTEMS[name], corpus)
        all_readings[name] = readings
        if name == "channel9":
            read = {page for page, reading in readings.items() if not reading.refusal}
        for label, score in scores(readings, corpus, read):
            print(f"{score.row(f'{name} ({label}, {score.pages})')} {rate:.0f} |")
    channel9 = all_readings.get("channel9")
    if channel9:
        refusals = Counter(reading.refusal for reading in channel9.values() if reading.refusal)
        print("channel9 refusals:", dict(refusals.most_common()) or "none")
        worst = sorted(
            (
                text_f1(channel9[page.name].text, page.truth.get("main_content", "")),
                page.name,
                page.url,
            )
            for page in corpus
            if not page.static
        )
        for f1, name, url in worst[: args.worst]:
            print(f"  {f1:.3f} {name} {channel9[name].refusal or ''} {url}")


if __name__ == "__main__":
    main()
