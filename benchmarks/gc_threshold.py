"""Benchmark: the time a crawl spends in Python's garbage collector, by its threshold.

Run: ``.venv/bin/python benchmarks/gc_threshold.py [--articles 600] [--rounds 3]``. The
fake site serves pages of a real theme's weight (``--heavy`` of ``benchmarks/crawl.py``);
the crawl runs as shipped (archive and state on) in fresh processes, with Python's
threshold (``CHANNEL9_GC_THRESHOLD=0``) and the project's, in interleaved rounds. Each
process times its collections with ``gc.callbacks`` and says the sum, the number of
collections of each generation, its CPU time and its peak RSS.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.crawl import crawls, forget  # noqa: E402
from channel9.defaults import DEFAULTS  # noqa: E402
from channel9.demo.site import FakeSite, serve  # noqa: E402

# Run in the crawl's process: Scrapy's command line, its collections timed.
TIMED = """
import atexit, gc, resource, sys, time
spent, count, began = [0.0], [0, 0, 0], [0.0]
def timed(phase, info):
    if phase == "start":
        began[0] = time.perf_counter()
    else:
        spent[0] += time.perf_counter() - began[0]
        count[info["generation"]] += 1
def said():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"GC {spent[0]:.3f} {count} {usage.ru_utime + usage.ru_stime:.2f}"
          f" {usage.ru_maxrss / 1024:.0f}", file=sys.stderr)
gc.callbacks.append(timed)
atexit.register(said)
from scrapy.cmdline import execute
sys.argv = ["scrapy", *sys.argv[1:]]
execute()
"""


def crawl(base_url: str, workdir: Path, threshold: int) -> tuple[float, str, float, float]:
    """One crawl: seconds in the collector, collections by generation, CPU s, peak RSS MB."""
    forget(workdir)
    shipped = crawls(base_url, workdir)["channel9"]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCRAPY_SETTINGS_MODULE": str(shipped.settings_module),
    }
    done = subprocess.run(
        # The crawl the crawl benchmark runs, by Scrapy's command line in this process.
        [sys.executable, "-c", TIMED, *shipped.command[1:],
         "-s", f"CHANNEL9_GC_THRESHOLD={threshold}", "-s", "LOG_LEVEL=WARNING"],
        cwd=workdir, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = re.search(r"^GC (\S+) (\[.*\]) (\S+) (\S+)$", done.stderr, re.MULTILINE)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"crawl failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return float(found[1]), found[2], float(found[3]), float(found[4])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    site = FakeSite(count=options.articles, seed=11)
    site.heavy = site.gzipped = True
    thresholds = {"Python's (700)": 0, "the project's": int(DEFAULTS["CHANNEL9_GC_THRESHOLD"])}
    results: dict[str, list[tuple[float, str, float, float]]] = {name: [] for name in thresholds}
    with serve(site) as base_url, tempfile.TemporaryDirectory() as tmp:
        for _ in range(options.rounds):
            for name, threshold in thresholds.items():
                results[name].append(crawl(base_url, Path(tmp), threshold))
    print(
        f"Crawl of {options.articles} articles of a real theme's weight,"
        f" {options.rounds} interleaved rounds (medians):"
    )
    print(f"{'threshold':<16} {'in collector':>12} {'CPU':>8} {'peak RSS':>9}  collections")
    for name, runs in results.items():
        spent = statistics.median(run[0] for run in runs)
        cpu = statistics.median(run[2] for run in runs)
        rss = statistics.median(run[3] for run in runs)
        print(f"{name:<16} {spent:>10.2f} s {cpu:>6.2f} s {rss:>6.0f} MB  {runs[-1][1]}")


if __name__ == "__main__":
    main()
