"""Benchmark: ``scrapy dataset`` on run files that hold 100,000 articles.

Run: ``.venv/bin/python benchmarks/dataset.py [--articles 100000] [--runs 20]``.
It generates the run files of ``--runs`` crawls (each article ~3,000 characters of text,
one in ten written again by a later run, as edits are, one in fifty a repost), and a
crawl state whose listings show every article, some under a category its page does not
name; then it builds the
dataset in each format in a fresh process and prints the wall time and peak memory of
each: the highest sum, sampled every 0.1 s, of the proportional set sizes of the build and
its worker processes.
The files are generated in a temporary folder (``--keep`` keeps it, to look at the card).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channel9.incremental.store import CrawlState  # noqa: E402

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
# The site's menu, weighted roughly as a news site publishes.
CATEGORIES = {
    "Nasional": 30,
    "Politik": 16,
    "Ekonomi & Bisnis": 14,
    "Internasional": 12,
    "Hukum": 8,
    "Hot Topic": 6,
    "Opini": 5,
    "Olahraga": 4,
    "Teknologi": 3,
    "Gaya Hidup": 2,
}
WORDS = [
    "pemerintah",
    "dan",
    "rakyat",
    "bersama",
    "membangun",
    "negeri",
    "yang",
    "adil",
    "makmur",
    "sejahtera",
]


def article(number: int, rnd: random.Random, edit: int = 0) -> dict[str, object]:
    labels = list(CATEGORIES)
    category = rnd.choices(labels, weights=list(CATEGORIES.values()))[0]
    day = date(2019, 1, 1) + timedelta(days=number * 2900 // 100_000 + rnd.randint(0, 9))
    moment = datetime(day.year, day.month, day.day, 10, 30, tzinfo=timezone(timedelta(hours=7)))
    # One in fifty is a repost of the article before it under its own URL: a near-duplicate.
    words = random.Random(number - 1 if number % 50 == 1 else number)
    paragraphs = [" ".join(words.choices(WORDS, k=60)) for _ in range(7)]
    return {
        "url": f"https://channel9.id/berita-{number}/",
        "title": f"Berita nomor {number}" + (f", diperbaiki {edit}" if edit else ""),
        "category": category,
        "categories": [category],
        "tags": rnd.sample(["DPR", "Pemilu", "Jokowi", "Banjir", "NATO"], number % 3),
        "author": None if number % 7 == 3 else "Hendra Yusuf",
        "published_date": day.isoformat(),
        "published_at": moment.isoformat() if number % 2 else None,
        "published_raw": f"{day:%d/%m/%Y}",
        "published_source": "time",
        "dateline": "JAKARTA",
        "text": "\n\n".join(paragraphs),
        "editor": "HY",
        "image_url": f"https://channel9.id/wp-content/uploads/{number}.jpg",
        "image_caption": None,
        "crawled_at": "2026-11-28T00:00:00+00:00",
    }


def generate(folder: Path, articles: int, runs: int) -> int:
    """Writes the run files and the crawl state; returns the number of lines."""
    rnd = random.Random(9)
    data = folder / "data"
    data.mkdir(parents=True)
    state = CrawlState(data / "channel9-state.sqlite3")
    per_run = -(-articles // runs)
    written = 0
    labels = list(CATEGORIES)
    for run in range(runs):
        path = data / f"channel9-2026{run:04d}.jsonl"
        numbers = list(range(run * per_run, min(articles, (run + 1) * per_run)))
        edits = list(range(0, run * per_run, 10))[-per_run // 10 :] if run else []
        with path.open("w", encoding="utf-8") as file:
            for number in numbers:
                file.write(json.dumps(article(number, random.Random(number))) + "\n")
            for number in edits:
                item = article(number, random.Random(number), edit=run)
                file.write(json.dumps(item, ensure_ascii=False) + "\n")
            written += len(numbers) + len(edits)
        for label in labels:
            shown = [f"https://channel9.id/berita-{n}/" for n in numbers if rnd.random() < 0.2]
            state.record_listed(label.lower(), label, shown)
        state.start_run(str(run), f"2026-11-{run % 28 + 1:02d}T00:00:00+00:00", str(path))
        state.finish_run(str(run), "", "finished", None, [], len(numbers), 0, {})
    state.close()
    return written


def tree_memory(pid: int) -> int:
    """The memory of ``pid`` and its descendants, in bytes (0 once it is gone): the sum
    of their proportional set sizes, which count a page shared by two processes half in
    each, where resident set sizes would count it twice."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            if "Pss:" in rollup:  # else a zombie, which holds no memory
                total += int(rollup.split("Pss:")[1].split()[0]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += map(int, (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue  # gone meanwhile
    return total


def build(folder: Path, output: str) -> tuple[float, float]:
    """Builds the dataset in a fresh process: its wall seconds and peak memory in MB."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SCRAPY_SETTINGS_MODULE": "channel9.settings"}
    started = time.perf_counter()
    said = folder / "said.txt"
    with said.open("wb") as out:
        process = subprocess.Popen(
            [SCRAPY, "dataset", "-o", output], cwd=folder, env=env, stdout=out
        )
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_memory(process.pid))
            time.sleep(0.1)
    seconds = time.perf_counter() - started
    print(f"  {said.read_text().strip()}")
    if process.returncode:
        raise SystemExit(f"scrapy dataset -o {output} failed ({process.returncode})")
    if not peak:
        raise SystemExit("no memory measured: is /proc/<pid>/smaps_rollup there?")
    return seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the generated folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="channel9-dataset-"))
    try:
        lines = generate(folder, args.articles, args.runs)
        size = sum(path.stat().st_size for path in (folder / "data").glob("*.jsonl"))
        print(f"{args.articles:,} articles, {lines:,} lines, {size / 1e6:,.0f} MB of run files")
        for output in ("dataset.parquet", "dataset.csv", "dataset.jsonl"):
            seconds, rss = build(folder, output)
            megabytes = (folder / output).stat().st_size / 1e6
            # Gone before the next format's build, whose card has the same name.
            (folder / output).unlink()
            print(f"{output:16} {seconds:6.1f} s  peak memory {rss:6.0f} MB  {megabytes:6.0f} MB")
    finally:
        if args.keep:
            print(f"kept: {folder}")
        else:
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
