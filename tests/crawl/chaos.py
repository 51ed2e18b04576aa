"""Seeded random schedules of site changes, faults and real crawls, and the promises they check.

The promise to cron users is "nothing lost": every article the site shows ends up in some
run's file, and a run that did not do its job exits non-zero. Hand-written tests check the
cases someone thought of; a schedule drawn from ``random.Random(seed)`` mixes edits,
unpublished and hidden articles, pages down for a run or slow, bounded runs and runs
killed at any moment in orders nobody thought of. The seed decides the site, its changes,
the faults, the runs' arguments and when each kill comes (by the number of requests the
run has made; only the exact moment it lands varies), so a failing schedule is printed
whole and replayed with one command.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

from channel9.demo.site import CATEGORIES, FEATURED, PER_PAGE, FakeArticle, FakeSite, Reply, serve
from tests.conftest import CAPTURE, FAST, SCRAPY, command_in_process, crawl_in_process, run_files

SETTINGS = ["-s", "RETRY_TIMES=1", "-s", "DOWNLOAD_TIMEOUT=5", "-s", "LOG_LEVEL=DEBUG"]
"""Settings of every run besides the fast ones of the other whole-crawl tests.

Cheap retries, a timeout well above the slow faults' sleeps, and every request logged (the
"Crawled (" lines the off-site check reads).
"""
RUN_TIMEOUT = 120
"""Seconds a run may take before the harness kills it and counts it as hung."""
FINAL_RUNS = 2
"""Plain runs once the faults stop: the most a cron user should need to get everything."""
DOOR = re.compile(r"/(category/|feed/|[\w-]*sitemap[\w-]*\.xml)")
"""The paths of the doors into the site: listing pages, feeds and sitemaps."""
DOORS = ["listings", "feed", "sitemap"]
"""The values of ``-a discover``, in the order the crawl names them."""
CRAWLED = re.compile(r"Crawled \(\d+\) <\w+ (\S+)>")
REPLAY = (
    "CHANNEL9_SOAK_FIRST_SEED={seed} CHANNEL9_SOAK_SCHEDULES=1"
    " .venv/bin/pytest tests/crawl/test_chaos.py -k soak"
)


@dataclass(frozen=True)
class Fault:
    """How one path misbehaves for one run.

    ``down``: every hit answers ``status`` (a page down for the whole run); ``flaky``: the
    first hit of the run does, then the page is served (a retry mends it); ``slow``: the
    page, after ``seconds`` (well under the run's ``DOWNLOAD_TIMEOUT``).
    """

    kind: str
    status: int = 503
    seconds: float = 0.0

    def __str__(self) -> str:
        if self.kind == "slow":
            return f"slow {self.seconds:.1f} s"
        return f"{self.kind} {self.status}"

    def override(self, site: FakeSite, path: str) -> Callable[[int], Reply | None]:
        """The fake site's override of ``path`` for the run about to start."""
        reply = Reply(self.status, b"<html><body><h1>Service Unavailable</h1></body></html>")
        if self.kind == "down":
            return lambda hit: reply
        if self.kind == "flaky":
            first_hit = site.hits.get(path, 0) + 1
            return lambda hit: reply if hit == first_hit else None

        def slow(hit: int) -> None:
            time.sleep(self.seconds)

        return slow


class ChaosSite(FakeSite):
    """The fake site, with the status of every reply it sent recorded by run.

    A run's exit status is judged by the doors that failed in it and were not had again
    later in the same run, which only the replies tell.
    """

    def __init__(self, count: int, seed: int) -> None:
        self.unpublished: dict[str, FakeArticle] = {}
        super().__init__(count=count, seed=seed, doors=True)
        self.run = 0
        """The run now crawling."""
        self.served: list[tuple[int, str, int]] = []
        """Run, path and status of every reply, in the order they were sent."""

    def add_article(self) -> FakeArticle:
        """A new article, numbered after every article the site ever had.

        The fake site numbers a new article by how many it has, which unpublishing lowers:
        it would reuse the slug of an article still shown.
        """
        self.articles.update(self.unpublished)
        try:
            return super().add_article()
        finally:
            for slug in self.unpublished:
                del self.articles[slug]

    def remove(self, slug: str) -> None:
        """Unpublishes an article, kept aside for the numbering of new ones."""
        self.unpublished[slug] = self.articles[slug]
        super().remove(slug)

    def respond(self, path: str) -> Reply:
        run = self.run
        reply = super().respond(path)
        with self.lock:
            self.served.append((run, path, reply.status))
        return reply

    def listing_paths(self) -> list[str]:
        """Every listing page the site has now."""
        paths = []
        for slug in CATEGORIES:
            pages = max(1, -(-(len(self.listing(slug)) - FEATURED) // PER_PAGE))
            paths.append(f"/category/{slug}/")
            paths.extend(f"/category/{slug}/page/{n}/" for n in range(2, pages + 1))
        return paths


@dataclass
class Run:
    """One ``scrapy crawl channel9`` of a schedule: what came before it, and how it went."""

    number: int
    args: list[str]
    changes: list[str] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)
    kill: signal.Signals | None = None
    after: int = 0
    """Site requests of the run before the signal is sent."""
    signalled: bool = False
    """The signal was sent while the run was going (not after it had ended by itself)."""
    returncode: int | None = None
    """None: the run did not end within ``RUN_TIMEOUT`` and was killed."""
    requests: int = 0
    files: list[Path] = field(default_factory=list)
    lines: int = 0
    verdict: str = ""

    def describe(self) -> str:
        command = " ".join(["scrapy crawl channel9", *self.args])
        head = f"run {self.number}: {command}"
        if self.kill is not None:
            sent = "sent" if self.signalled else "not sent: the run had ended"
            head += f" | {self.kill.name} after {self.after} requests ({sent})"
        status = "hung, killed" if self.returncode is None else f"exit {self.returncode}"
        head += f" | {status}, {self.requests} requests, {self.lines} lines"
        parts = [head]
        parts.extend(f"    site: {change}" for change in self.changes)
        if self.faults:
            faults = "; ".join(f"{path} {fault}" for path, fault in sorted(self.faults.items()))
            parts.append(f"    faults: {faults}")
        if self.verdict:
            parts.append(f"    {self.verdict}")
        return "\n".join(parts)


def short(slug: str) -> str:
    """An article's slug up to its number (``berita-12``), for the schedule's lines."""
    return "-".join(slug.split("-")[:2])


class Schedule:
    """One seeded schedule of runs against a fake site, and every promise it broke.

    Random runs with the site's changes and faults before each, then plain runs once the
    faults stop; all in one folder, so the crawl state and run files carry over as they
    do for a cron user.
    """

    def __init__(self, seed: int, workdir: Path) -> None:
        self.seed = seed
        self.workdir = workdir
        self.random = Random(seed)
        self.count = self.random.randint(60, 150)
        self.site = ChaosSite(count=self.count, seed=seed)
        # Half the schedules against a site that gzips its pages, as real hosts do: by the
        # seed, so that the schedules drawn stay those of their seeds.
        self.site.gzipped = seed % 2 == 0
        self.base_url = ""
        self.runs: list[Run] = []
        self.revisions: dict[str, list[dict[str, Any]]] = {}
        """By URL, the item of every revision the site served while the crawls ran."""
        self.faults: dict[str, Fault] = {}
        self.violations: list[str] = []

    async def play(self) -> list[str]:
        """Runs the schedule against the site served on 127.0.0.1; the promises broken."""
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        with serve(self.site) as base_url:
            self.base_url = base_url
            for _ in range(self.random.randint(2, 5)):
                run = self.draw_run()
                run.changes = self.change_site()
                run.faults = self.draw_faults()
                await self.crawl(run)
            self.faults = {}
            for _ in range(FINAL_RUNS):
                await self.crawl(Run(len(self.runs) + 1, []))
            self.check_end()
        return self.violations

    def draw_run(self) -> Run:
        """The next random run: plain, bounded, or killed after some requests.

        Bounded by some of ``max_pages``, ``since`` and ``discover``; killed with SIGKILL,
        now and then SIGTERM (which must fail the run), maybe bounded too.
        """
        rnd = self.random
        run = Run(len(self.runs) + 1, [])
        kind = rnd.choices(["plain", "bounded", "killed"], weights=[3, 4, 3])[0]
        if kind == "bounded" or (kind == "killed" and rnd.random() < 0.3):
            run.args = self.bounds()
        if kind == "killed":
            run.kill = signal.SIGTERM if rnd.random() < 0.2 else signal.SIGKILL
            # About as many requests as the run should make (a few for robots.txt, the
            # home page and the doors, then the articles no run file has), so that the kill
            # falls anywhere in it.
            exported = {item.get("url") for _, _, item in self.lines() if item}
            urls = {f"{self.base_url}/{slug}/" for slug in self.site.articles}
            run.after = 1 + int(rnd.random() * (8 + 1.3 * len(urls - exported)))
        return run

    def bounds(self) -> list[str]:
        """Arguments that bound a run: at least one of max_pages, since and discover."""
        rnd = self.random
        while True:
            args = []
            if rnd.random() < 0.5:
                args += ["-a", f"max_pages={rnd.randint(1, 3)}"]
            if rnd.random() < 0.4:
                day = rnd.choice(sorted(a.published.date() for a in self.site.articles.values()))
                args += ["-a", f"since={day.isoformat()}"]
            if rnd.random() < 0.4:
                doors = rnd.sample(DOORS, rnd.randint(1, len(DOORS)))
                args += ["-a", f"discover={','.join(d for d in DOORS if d in doors)}"]
            if args:
                return args

    def change_site(self) -> list[str]:
        """Random editors' work before a run; what was done, for the schedule.

        Articles added, edited, unpublished, promoted to the top of their listings, or
        hidden from the listings while the feeds and sitemaps still name them.
        """
        rnd = self.random
        site = self.site
        changes = []
        if self.runs and rnd.random() < 0.6:
            added = [site.add_article().slug for _ in range(rnd.randint(1, 12))]
            changes.append("added " + " ".join(map(short, added)))
        if self.runs and rnd.random() < 0.4:
            edited = rnd.sample(site.order, rnd.randint(1, 3))
            for slug in edited:
                site.edit(slug)
            changes.append("edited " + " ".join(map(short, edited)))
        if rnd.random() < 0.3 and len(site.order) > 40:
            removed = rnd.sample(site.order, rnd.randint(1, 3))
            for slug in removed:
                site.remove(slug)
            changes.append("unpublished " + " ".join(map(short, removed)))
        if self.runs and rnd.random() < 0.3:
            promoted = rnd.sample(site.order, rnd.randint(1, 2))
            for slug in promoted:
                site.promote(slug)
            changes.append("promoted " + " ".join(map(short, promoted)))
        if rnd.random() < 0.3:
            shown = [slug for slug in site.order if slug not in site.hidden]
            hidden = rnd.sample(shown, rnd.randint(1, 3))
            site.hidden.update(hidden)
            changes.append("hid from the listings " + " ".join(map(short, hidden)))
        return changes

    def draw_faults(self) -> dict[str, Fault]:
        """The faults of the next run.

        Each fault of the last run is kept or healed at random, so a page can stay down
        for several runs; then a few new ones on doors (listing pages, feeds, sitemaps)
        and on articles.
        """
        rnd = self.random
        faults = {path: fault for path, fault in self.faults.items() if rnd.random() < 0.5}
        listings = self.site.listing_paths()
        for _ in range(rnd.randint(0, 2)):
            door = rnd.choice(["listing", "listing", "feed", "sitemap"])
            if door == "listing":
                path = rnd.choice(listings)
            elif door == "feed":
                category = f"/category/{rnd.choice(list(CATEGORIES))}/feed/"
                path = rnd.choice(["/feed/", "/feed/", category])
            else:
                path = rnd.choice(["/wp-sitemap.xml", "/wp-sitemap-posts-post-1.xml"])
            faults[path] = self.draw_fault(slow_share=0.25, flaky_share=0.15)
        for slug in rnd.sample(self.site.order, rnd.randint(0, 2)):
            faults[f"/{slug}/"] = self.draw_fault(slow_share=0.3, flaky_share=0.0)
        self.faults = faults
        return faults

    def draw_fault(self, slow_share: float, flaky_share: float) -> Fault:
        """A slow, flaky or down fault, in these shares (down for the rest)."""
        rnd = self.random
        draw = rnd.random()
        if draw < slow_share:
            return Fault("slow", seconds=round(rnd.uniform(0.2, 1.0), 1))
        status = rnd.choice([500, 503])
        return Fault("flaky" if draw < slow_share + flaky_share else "down", status)

    async def crawl(self, run: Run) -> None:
        """Runs ``run`` and checks the promises each run keeps.

        It runs in the schedule's folder with its faults installed; a run to be killed runs
        as a process of its own, signalled once the site has had ``run.after`` requests of
        it, any other in the test's process. The revisions of every article are kept
        first, for the content checks.
        """
        self.runs.append(run)
        site = self.site
        for slug, article in site.articles.items():
            item = article.expected(self.base_url)
            seen = self.revisions.setdefault(f"{self.base_url}/{slug}/", [])
            if item not in seen:
                seen.append(item)
        site.overrides = {path: fault.override(site, path) for path, fault in run.faults.items()}
        before = set(run_files(self.workdir))
        site.run = run.number
        start = len(site.requests)
        if run.kill is None:
            done = await crawl_in_process(
                self.workdir, self.base_url, *SETTINGS, *run.args, timeout=RUN_TIMEOUT
            )
            self.log(run).write_text(done.log, encoding="utf-8")
            run.returncode = done.returncode
            word = {0: "ok", 1: "failed"}.get(done.returncode, "could not start")
            run.verdict = f"Verdict: {word} (exit status {done.returncode}): {done.verdict}"
        else:
            self.crawl_and_signal(run)
        run.requests = len(site.requests) - start
        run.files = sorted(set(run_files(self.workdir)) - before)
        run.lines = sum(len(path.read_bytes().splitlines()) for path in run.files)
        self.check_run(run)

    def crawl_and_signal(self, run: Run) -> None:
        """Runs ``run`` as a process of its own and signals it once the site has had
        ``run.after`` requests of it."""
        site = self.site
        start = len(site.requests)
        command = [SCRAPY, "crawl", "channel9", "-a", f"base_url={self.base_url}", *FAST]
        log = self.log(run)
        with log.open("w", encoding="utf-8") as out:
            process = subprocess.Popen(
                [*command, *SETTINGS, *run.args],
                cwd=self.workdir,
                env={**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            deadline = time.monotonic() + RUN_TIMEOUT
            try:
                if run.kill is not None:
                    while (
                        process.poll() is None
                        and len(site.requests) - start < run.after
                        and time.monotonic() < deadline
                    ):
                        time.sleep(0.005)
                    if process.poll() is None:
                        process.send_signal(run.kill)
                        run.signalled = True
                run.returncode = process.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass  # hung: returncode stays None
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        verdicts = [line for line in self.log_lines(run) if "Verdict:" in line]
        run.verdict = verdicts[-1][verdicts[-1].index("Verdict:") :] if verdicts else ""

    def log(self, run: Run) -> Path:
        """Where a run's output goes: its log, DEBUG level, and its verdict last."""
        return self.workdir / "logs" / f"run-{run.number:02}.log"

    def log_lines(self, run: Run) -> list[str]:
        """A run's log lines (a killed run may have cut its last one short)."""
        return self.log(run).read_text(encoding="utf-8", errors="replace").splitlines()

    def check_run(self, run: Run) -> None:
        """Invariants 2 and 4 (second half), for one run.

        A run that exits 0 met no failed door (a listing page, a feed or a sitemap that
        failed and was not had again later in the run): articles that failed may be left
        to the next run, the doors may not. A SIGTERM fails the run; a SIGKILL says
        nothing. A run that exits 0 writes only what the site served.
        """
        if run.returncode is None:
            self.violations.append(
                f"[2 exit status] run {run.number} did not end within {RUN_TIMEOUT} s"
            )
            return
        if run.signalled and run.kill == signal.SIGKILL:
            return
        if run.signalled and run.returncode == 0 and not self.ended_before_signal(run):
            self.violations.append(
                f"[2 exit status] run {run.number} exited 0 after a SIGTERM that stopped it"
            )
        failed: dict[str, int] = {}
        for number, path, status in self.site.served:
            if number != run.number or not DOOR.match(path):
                continue
            if status >= 500:
                failed[path] = status
            elif status < 400:
                failed.pop(path, None)
        if failed and run.returncode == 0:
            doors = ", ".join(f"{path} ({status})" for path, status in sorted(failed.items()))
            self.violations.append(
                f"[2 exit status] run {run.number} exited 0 though these doors failed and were"
                f" not had again in the run: {doors}"
            )
        if run.returncode == 0:
            self.check_content(run)

    def ended_before_signal(self, run: Run) -> bool:
        """Whether the crawl had closed by itself when the signal came, by its log.

        The signal may come in the moments between the crawl's end and the process's:
        it stopped nothing then.
        """
        for line in self.log_lines(run):
            if "Received SIGTERM" in line:
                return False
            if "Spider closed (" in line:
                return True
        return False

    def check_content(self, run: Run) -> None:
        """Invariant 4, second half: a run that exited 0 wrote only what the site served.

        Each of its lines has the title and text of some revision of its URL; a line that
        is no JSON object is told by the end's check of every line.
        """
        wrong = []
        for path, _, item in self.lines(run.files):
            if item:
                revisions = self.revisions.get(str(item.get("url")), [])
                if (item.get("title"), item.get("text")) not in {
                    (revision["title"], revision["text"]) for revision in revisions
                }:
                    wrong.append(f"{item.get('url')} in {path.name}")
        if wrong:
            self.violations.append(
                f"[4 content] run {run.number} exited 0 and wrote {len(wrong)} lines whose"
                f" title and text are no revision the site served: {listed(wrong)}"
            )

    def lines(
        self, paths: list[Path] | None = None
    ) -> Iterator[tuple[Path, int, dict[str, Any] | None]]:
        """Each line of the run files (of ``paths``, else all): file, index and item.

        The item is None when the line is no JSON object (a line cut short by a kill and
        not set aside by the next run), so each check decides what that means to it.
        """
        for path in run_files(self.workdir) if paths is None else paths:
            for index, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
                try:
                    item = json.loads(line)
                except ValueError:
                    item = None
                yield path, index, item if isinstance(item, dict) else None

    def check_end(self) -> None:
        """Invariants 1, 3, 4 (first half) and 5 once the last run is done."""
        broken = []
        latest: dict[str, tuple[tuple[str, str, int], dict[str, Any]]] = {}
        for path, index, item in self.lines():
            if item is None:
                broken.append(f"{path.name} line {index + 1}")
                continue
            key = (str(item.get("crawled_at")), path.name, index)
            url = str(item.get("url"))
            if url not in latest or latest[url][0] < key:
                latest[url] = (key, item)
        if broken:
            self.violations.append(f"[4 JSON] lines that are no JSON object: {listed(broken)}")
        self.check_nothing_lost(latest)
        self.check_dataset(latest)
        self.check_on_host()

    def check_dataset(self, latest: dict[str, tuple[tuple[str, str, int], dict[str, Any]]]) -> None:
        """Invariant 5: the dataset built from the run files, as a cron user builds it,
        holds every article they hold, as its line crawled last (title and text: the
        dataset adds the categories the listings showed)."""
        done = command_in_process(self.workdir, "dataset", "-o", "dataset.jsonl")
        if done.returncode != 0:
            said = done.stderr.strip().splitlines()[-1:] or ["nothing on stderr"]
            self.violations.append(
                f"[5 dataset] scrapy dataset exited {done.returncode}: {said[0]}"
            )
            return
        built = {
            row["url"]: (row["title"], row["text"])
            for row in map(json.loads, (self.workdir / "dataset.jsonl").read_bytes().splitlines())
        }
        wrong = [
            url
            for url, (_, item) in latest.items()
            if built.get(url) != (item.get("title"), item.get("text"))
        ]
        if wrong:
            self.violations.append(
                f"[5 dataset] {len(wrong)} articles of the run files are missing from the"
                f" dataset or not as crawled last: {listed(wrong)}"
            )

    def check_nothing_lost(
        self, latest: dict[str, tuple[tuple[str, str, int], dict[str, Any]]]
    ) -> None:
        """Invariant 1: every article the site still shows is in some run file.

        Its line crawled last (``crawled_at``, then file name, then line) must be one of
        the revisions the site served while the crawls ran, any of them: plain scheduled
        runs do not fetch an article again when an editor changes it (``full=1`` does).
        """
        missing = []
        stale = []
        for slug, article in self.site.articles.items():
            url = f"{self.base_url}/{slug}/"
            hidden = "; hidden from the listings" if slug in self.site.hidden else ""
            where = f"{url} ({article.category}{hidden})"
            if url not in latest:
                missing.append(f"{where} {self.history(f'/{slug}/')}")
                continue
            item = {k: v for k, v in latest[url][1].items() if k not in CAPTURE}
            revisions = self.revisions[url]
            if item not in revisions:
                fields = sorted(
                    k
                    for k in item.keys() | revisions[-1].keys()
                    if item.get(k) != revisions[-1].get(k)
                )
                stale.append(f"{where}: {', '.join(fields)} differ")
        if missing:
            self.violations.append(
                f"[1 nothing lost] {len(missing)} of the {len(self.site.articles)} articles the"
                f" site shows are in no run file: {listed(missing)}"
            )
        if stale:
            self.violations.append(
                f"[1 nothing lost] {len(stale)} articles' last line is no revision the site"
                f" served: {listed(stale)}"
            )

    def history(self, path: str) -> str:
        """What the site answered ``path`` in each run, as ``[asked: run 1 503, ...]``.

        It tells a missing article that no run found from one found and not written.
        """
        asked = [
            f"run {run} {status}" for run, served, status in self.site.served if served == path
        ]
        return f"[asked: {', '.join(asked)}]" if asked else "[never asked for]"

    def check_on_host(self) -> None:
        """Invariant 3: no request leaves the host.

        By the site's record (every request line names one of its paths, not a URL of
        another host) and by every run's log ("Crawled (" lines on the base URL only).
        """
        odd = sorted({path for _, path, _ in self.site.served if not is_own_path(path)})
        if odd:
            self.violations.append(f"[3 host] the site was asked for: {listed(odd)}")
        for run in self.runs:
            off = sorted(
                {
                    match.group(1)
                    for line in self.log_lines(run)
                    if (match := CRAWLED.search(line))
                    and not match.group(1).startswith(f"{self.base_url}/")
                }
            )
            if off:
                self.violations.append(
                    f"[3 host] run {run.number} crawled off the site: {listed(off)}"
                )

    def report(self) -> str:
        """The seed, how to replay it, the whole schedule and every promise broken.

        Enough to tell what happened without the logs, and to replay it with one command.
        """
        lines = [
            f"Seed {self.seed}: {len(self.violations)} promises broken.",
            f"Replay: {REPLAY.format(seed=self.seed)}",
            f"Folder (run files under data/, logs under logs/): {self.workdir}",
            f"Site: FakeSite(count={self.count}, seed={self.seed}, doors=True),"
            f" gzipped={self.site.gzipped}, at"
            f" {self.base_url}; every run: -a base_url=... {' '.join(FAST)}"
            f" {' '.join(SETTINGS)}",
            "Schedule:",
            *(run.describe() for run in self.runs[:-FINAL_RUNS]),
            "Faults stopped, then plain runs:",
            *(run.describe() for run in self.runs[-FINAL_RUNS:]),
            "Broken:",
            *self.violations,
        ]
        return "\n".join(lines)


def is_own_path(path: str) -> bool:
    """Whether a request line's target is a path of the site (not a URL of another host)."""
    return path.startswith("/") and not path.startswith("//") and "://" not in path


def listed(things: list[str], most: int = 12) -> str:
    """The first ``most`` of ``things``, and how many more: a message stays readable."""
    shown = ", ".join(things[:most])
    return shown + (f" and {len(things) - most} more" if len(things) > most else "")
