"""Benchmark: the full channel9 crawl against a typical spider and bare Scrapy, on the same
generated local site.

Run: ``.venv/bin/python benchmarks/crawl.py [--articles 2000] [--rounds 3] [--heavy]
[--scaling]``. Every crawl runs with politeness off (no delay, no AutoThrottle, 32 requests
at a time, no HTTP cache), in interleaved rounds, in fresh processes; the site is served
from this process. The crawls: the project as shipped (archive and state on), without its
archive, its replay of that archive, ``scrapy extract`` over it and its pages parsed alone
without Scrapy's engine (``benchmarks/parse_only.py``: the least a replay can cost); the
same job written as a typical Scrapy project writes it (``benchmarks/typical_spider.py``:
parsel, one dict per article, ``-O`` feed), with Scrapy's settings and with the three the
project changes for speed; and a bare spider that only follows the links. It prints pages
per second, CPU per page and peak RSS for each, and the ratios; then the per-page work
without the network (article parsing plus the item pipelines on the fixture pages) and the
date reading benchmark.
``--heavy`` serves pages of a real theme's weight (about 215 KB, as Zox News prints them)
instead of the bare 5 KB; ``--scaling`` compares the crawl's peak RSS at 1,000 and 4,000
articles.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channel9 import settings  # noqa: E402
from channel9.defaults import DEFAULTS  # noqa: E402
from channel9.demo.site import FakeSite, serve  # noqa: E402

SCRAPY = str(Path(sys.executable).with_name("scrapy"))
FAST = [
    *("-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "HTTPCACHE_ENABLED=0"),
    *("-s", "CONCURRENT_REQUESTS=32", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32"),
]


@dataclass
class Measure:
    seconds: float
    cpu: float
    rss_mb: float
    pages: int


@dataclass
class Crawl:
    command: list[str]
    settings_module: str | None = None
    """The project's settings, or none: Scrapy's defaults."""


def run(crawl: Crawl, workdir: Path) -> Measure:
    """Runs a crawl in a fresh process; its wall time, CPU time, peak RSS and pages."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    # Modules compiled once and read from Python's cache after, as an installed project's
    # are: with the cache off, every crawl compiled the project's changed modules anew.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if crawl.settings_module:
        env["SCRAPY_SETTINGS_MODULE"] = crawl.settings_module
    log = workdir / "stats.log"
    start = time.perf_counter()
    command = crawl.command
    if command[0] == SCRAPY:
        command = [*command, "-s", "STATS_DUMP=True", "-s", "LOG_LEVEL=INFO"]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=out, stderr=out)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"crawl failed ({status}): see {log}")
    # Scrapy's stats of a crawl, or the last line of scrapy extract ("... from N pages").
    pages = next(
        int(found[1] or found[2])
        for line in log.read_text().splitlines()
        if (found := re.search(r"'response_received_count': (\d+)|from (\d+) pages", line))
    )
    return Measure(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, pages)


# The settings the project changes from Scrapy's for speed (see channel9/settings.py), and
# its garbage collector's threshold (channel9/crawl/gc_threshold.py), given to the typical
# and bare spiders too in the rows the ratios are taken against.
TUNED = [
    *("-s", f"CONCURRENT_ITEMS={settings.CONCURRENT_ITEMS}"),
    *("-s", f"WARN_ON_GENERATOR_RETURN_VALUE={settings.WARN_ON_GENERATOR_RETURN_VALUE}"),
    *("-s", f"EXTENSIONS={json.dumps({'channel9.crawl.gc_threshold.GcThreshold': 0})}"),
    *("-s", f"CHANNEL9_GC_THRESHOLD={DEFAULTS['CHANNEL9_GC_THRESHOLD']}"),
]


def crawls(base_url: str, workdir: Path) -> dict[str, Crawl]:
    """The crawl with the project's settings (its archive on, then off), its replay from
    that archive, ``scrapy extract`` over it and its pages parsed without Scrapy's engine,
    the typical spider and the bare spider with Scrapy's settings: with the project's three
    speed settings (the baselines of the ratios), and with Scrapy's defaults (for
    reference)."""

    def spider(name: str) -> list[str]:
        path = ROOT / "benchmarks" / f"{name}_spider.py"
        return [SCRAPY, "runspider", str(path), "-a", f"base_url={base_url}", *FAST]

    typical = [*spider("typical"), "-O", str(workdir / "typical.jsonl")]
    channel9 = [
        # The listings alone, as the bare spider: the generated site has no feed or sitemap.
        SCRAPY, "crawl", "channel9", "-a", f"base_url={base_url}", "-a", "discover=listings", *FAST,
        "-O", str(workdir / "out.jsonl"), "-s", f"CHANNEL9_STATE={workdir / 'state.sqlite3'}",
        "-s", f"CHANNEL9_ARCHIVE={workdir / 'archive'}",
    ]  # fmt: skip
    return {
        "channel9": Crawl(channel9, "channel9.settings"),
        # Right after the crawl, from the archive it wrote.
        "channel9 replay": Crawl(
            [*channel9, "-a", f"replay={workdir / 'archive'}"], "channel9.settings"
        ),
        "channel9 extract": Crawl(
            [SCRAPY, "extract", str(workdir / "archive"), "-O", str(workdir / "extracted.jsonl")],
            "channel9.settings",
        ),
        # The least a replay can cost: the archive's pages parsed, without Scrapy's engine.
        "pages parsed alone": Crawl(
            [sys.executable, str(ROOT / "benchmarks" / "parse_only.py"), str(workdir / "archive")]
        ),
        "channel9, no archive": Crawl([*channel9, "-s", "CHANNEL9_ARCHIVE="], "channel9.settings"),
        "typical": Crawl([*typical, *TUNED]),
        "typical, Scrapy's settings": Crawl(typical),
        "bare": Crawl([*spider("bare"), *TUNED]),
        "bare, Scrapy's settings": Crawl(spider("bare")),
    }  # fmt: skip


FROM_THE_ARCHIVE = ("channel9 replay", "channel9 extract", "pages parsed alone")
"""The runs that read the archive the crawl before them wrote."""


def forget(workdir: Path) -> None:
    """Removes the archive and the crawl state a crawl of :func:`crawls` left in ``workdir``:
    the next crawl starts as a first one."""
    shutil.rmtree(workdir / "archive", ignore_errors=True)
    for leftover in workdir.glob("state.sqlite3*"):
        leftover.unlink()


def compare(articles: int, rounds: int, heavy: bool) -> None:
    site = FakeSite(count=articles, seed=11)
    site.heavy = heavy
    site.gzipped = heavy  # as hosts send pages of that weight
    results: dict[str, list[Measure]] = {}
    archive_bytes = 0
    with serve(site) as base_url, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for _ in range(rounds):
            for name, crawl in crawls(base_url, workdir).items():
                if name not in FROM_THE_ARCHIVE:
                    forget(workdir)
                results.setdefault(name, []).append(run(crawl, workdir))
                if name == "channel9":
                    archive_bytes = sum(f.stat().st_size for f in (workdir / "archive").iterdir())
    weight = "pages of a real theme's weight" if heavy else "5 KB pages"
    print(f"Crawl of {articles} articles, {weight}, {rounds} interleaved rounds (medians):")
    print(
        f"{'':<34} {'pages/s':>9} {'CPU/article':>14} {'CPU/page':>12}"
        f" {'peak RSS MB':>12} {'pages':>7} {'least CPU/article':>18}"
    )
    rows = {}
    least = {}
    for name, measures in results.items():
        pages_per_s = statistics.median(m.pages / m.seconds for m in measures)
        cpu = statistics.median(m.cpu / articles for m in measures)
        per_page = statistics.median(m.cpu / m.pages for m in measures)
        rss = statistics.median(m.rss_mb for m in measures)
        rows[name] = (pages_per_s, cpu, rss, per_page)
        # Other work on a shared machine only ever adds CPU time: the least of the rounds
        # is the steadier figure of what a crawl costs (timeit's reasoning).
        least[name] = min(m.cpu / articles for m in measures)
        pages = measures[0].pages
        print(
            f"{name:<34} {pages_per_s:>9.0f} {cpu * 1000:>11.2f} ms {per_page * 1000:>9.2f} ms"
            f" {rss:>12.0f} {pages:>7} {least[name] * 1000:>15.2f} ms"
        )
    a = rows["channel9"]
    for baseline in ("typical", "typical, Scrapy's settings", "bare", "bare, Scrapy's settings"):
        b = rows[baseline]
        print(
            f"channel9 / {baseline}: CPU per article {a[1] / b[1]:.2f}, pages/s {a[0] / b[0]:.2f},"
            f" peak RSS {a[2] / b[2]:.2f}"
        )
    off, replay, extract = (rows[f"channel9{n}"] for n in (", no archive", " replay", " extract"))
    pages = results["channel9"][-1].pages
    print(
        f"archive on / off: CPU per article {a[1] / off[1]:.2f};"
        f" {archive_bytes / pages * 1000 / 1e6:.1f} MB per 1,000 pages"
        f" ({archive_bytes / 1e6:.1f} MB for {pages} pages)"
    )
    print(
        f"replay / live crawl: CPU per article {replay[1] / a[1]:.2f}, pages/s"
        f" {replay[0] / a[0]:.2f}; scrapy extract / live crawl: CPU per article"
        f" {extract[1] / a[1]:.2f}"
    )
    print(
        "pages parsed alone / live crawl: CPU per article"
        f" {rows['pages parsed alone'][1] / a[1]:.2f} (the least a replay can cost)"
    )
    print(
        "by the least CPU per article of the rounds: channel9 / typical"
        f" {least['channel9'] / least['typical']:.2f}, no archive / typical"
        f" {least['channel9, no archive'] / least['typical']:.2f}, replay / live crawl"
        f" {least['channel9 replay'] / least['channel9']:.2f}, scrapy extract / live crawl"
        f" {least['channel9 extract'] / least['channel9']:.2f}, pages parsed alone / live"
        f" crawl {least['pages parsed alone'] / least['channel9']:.2f}"
    )


def scaling() -> None:
    peaks = {}
    for articles in (1000, 4000):
        site = FakeSite(count=articles, seed=11)
        with serve(site) as base_url, tempfile.TemporaryDirectory() as tmp:
            peaks[articles] = run(crawls(base_url, Path(tmp))["channel9"], Path(tmp)).rss_mb
    print(
        f"peak RSS: {peaks[1000]:.0f} MB at 1,000 articles, {peaks[4000]:.0f} MB at 4,000:"
        f" {peaks[4000] / peaks[1000]:.2f}x (target <= 1.3)"
    )


FETCHED_AT = datetime(2026, 11, 28, tzinfo=timezone.utc)


def per_page() -> None:
    """Parsing plus item pipelines on the fixture pages, without the network."""
    from scrapy.statscollectors import StatsCollector

    from channel9.pages.parser import from_html, parse_article
    from channel9.pipelines import DuplicatesPipeline, RequiredFieldsPipeline

    class Stats(StatsCollector):
        def __init__(self) -> None:
            self._stats = {}

    pages = [p.read_bytes() for p in sorted((ROOT / "tests" / "fixtures").glob("article*.html"))]
    pages.append((ROOT / "tests" / "fixtures" / "seed_article.html").read_bytes())
    timings = []
    for round_ in range(300):
        pipelines: list[RequiredFieldsPipeline | DuplicatesPipeline] = [
            RequiredFieldsPipeline(Stats()),
            DuplicatesPipeline(Stats()),
        ]
        for body in pages:
            start = time.perf_counter()
            url = f"https://channel9.id/{round_}/"
            article = parse_article(from_html(body), url, fetched_at=FETCHED_AT).article
            assert article is not None
            article.crawled_at = "2026-11-28T00:00:00+00:00"
            for pipeline in pipelines:
                pipeline.process_item(article)
            timings.append(time.perf_counter() - start)
    timings.sort()
    median = statistics.median(timings) * 1000
    p95 = timings[int(len(timings) * 0.95)] * 1000
    print(f"per page, parse + pipelines: median {median:.2f} ms, p95 {p95:.2f} ms (target < 2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--heavy", action="store_true", help="pages of a real theme's weight")
    parser.add_argument("--scaling", action="store_true")
    options = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    compare(options.articles, options.rounds, options.heavy)
    if options.scaling:
        scaling()
    per_page()
    from benchmarks import dates

    dates.main()


if __name__ == "__main__":
    main()
