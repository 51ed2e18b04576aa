"""Under a real Scrapyd on 127.0.0.1: the project's egg deployed, jobs scheduled over its
HTTP API against the fake site, the verdicts read back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from channel9.demo.site import FakeSite, serve
from tests.conftest import SCRAPY, free_port

ROOT = Path(__file__).resolve().parent.parent
EGG_ONLY_RUNNER = """
# Scrapyd's runner, with the checkout's own (editable) install of the project hidden: a
# job imports the project from the deployed egg alone, as on a server where only the
# project's dependencies are installed. Where it came from is written down at exit.
import atexit, os, sys

sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
where = os.environ["CHANNEL9_IMPORTED_FROM"]
atexit.register(lambda: open(where, "w").write(sys.modules["channel9"].__file__))

from scrapyd.runner import main

main()
"""
SCRAPYD_DEPLOY = str(Path(sys.executable).with_name("scrapyd-deploy"))


@pytest.fixture
def scrapyd(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A Scrapyd of its own, configured as the README says; its URL and its folder."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "runner").mkdir()
    (home / "runner" / "egg_only_runner.py").write_text(EGG_ONLY_RUNNER, encoding="utf-8")
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        "bind_address = 127.0.0.1\n"
        f"http_port = {port}\n"
        "max_proc = 2\n"
        "poll_interval = 0.2\n"
        "jobs_to_keep = 100\n"
        "runner = egg_only_runner\n"
        f"eggs_dir = {home / 'eggs'}\n"
        f"logs_dir = {home / 'logs'}\n"
        f"items_dir = {home / 'items'}\n"
        f"dbs_dir = {home / 'dbs'}\n",
        encoding="utf-8",
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("SCRAPY")}
    env["PYTHONPATH"] = str(home / "runner")
    env["CHANNEL9_IMPORTED_FROM"] = str(home / "imported-from")
    log = (home / "scrapyd.out").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "scrapyd"], cwd=home, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "daemonstatus.json", timeout=1).raise_for_status()
                break
            except requests.RequestException:
                assert server.poll() is None, (home / "scrapyd.out").read_text()
                assert time.monotonic() < deadline, "Scrapyd did not answer"
                time.sleep(0.1)
        yield url, home
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def build_egg(tmp_path: Path) -> Path:
    """Builds the egg as ``scrapyd-deploy`` does, from a copy of the checkout's files; the
    copy must be left as it was (build output aside)."""
    source = tmp_path / "checkout"
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    egg = tmp_path / "channel9.egg"
    subprocess.run(
        [SCRAPYD_DEPLOY, "--build-egg", str(egg)], cwd=source, check=True, capture_output=True
    )
    left = {
        str(path.relative_to(source))
        for path in source.rglob("*")
        if path.is_file() and not path.relative_to(source).parts[0].endswith((".egg-info", "build"))
    }
    assert left == set(tracked)
    with zipfile.ZipFile(egg) as packed:
        inside = {name for name in packed.namelist() if not name.endswith(".pyc")}
    assert {name for name in inside if name.startswith("channel9/")} == {
        name for name in tracked if name.startswith("channel9/")
    }
    return egg


def jobs(url: str) -> dict[str, list[dict[str, Any]]]:
    answer = requests.get(url + "listjobs.json", params={"project": "channel9"}, timeout=10)
    return answer.json()


def wait_finished(url: str, job: str) -> None:
    deadline = time.monotonic() + 120
    while not any(entry["id"] == job for entry in jobs(url)["finished"]):
        assert time.monotonic() < deadline, jobs(url)
        time.sleep(0.2)


def schedule(url: str, base_url: str, data: Path, *settings: str) -> str:
    answer = requests.post(
        url + "schedule.json",
        data=[
            ("project", "channel9"),
            ("spider", "channel9"),
            ("base_url", base_url),
            ("setting", f"CHANNEL9_DATA_DIR={data}"),
            ("setting", "AUTOTHROTTLE_ENABLED=0"),
            ("setting", "CHANNEL9_BACKOFF_BASE=0.01"),
            *(("setting", setting) for setting in settings),
        ],
        timeout=10,
    ).json()
    assert answer["status"] == "ok", answer
    return str(answer["jobid"])


@pytest.mark.slow
def test_a_deployed_egg_crawls_under_scrapyd_and_every_verdict_can_be_read(
    scrapyd: tuple[str, Path], tmp_path: Path
) -> None:
    url, home = scrapyd
    egg = build_egg(tmp_path)
    with egg.open("rb") as file:
        added = requests.post(
            url + "addversion.json",
            data={"project": "channel9", "version": "1"},
            files={"egg": ("channel9.egg", file)},
            timeout=30,
        ).json()
    assert added["status"] == "ok", added
    assert added["spiders"] == 1
    data = tmp_path / "data"
    site = FakeSite(count=40)

    # The first job waits at its first request until the second has come and gone.
    gate = threading.Event()

    def held(hit: int) -> None:
        gate.wait(60)

    site.overrides["/robots.txt"] = held
    with serve(site) as base_url:
        first = schedule(url, base_url, data, "DOWNLOAD_DELAY=0")
        deadline = time.monotonic() + 60
        while not site.requests:
            assert time.monotonic() < deadline, jobs(url)
            time.sleep(0.05)
        second = schedule(url, base_url, data, "DOWNLOAD_DELAY=0")
        wait_finished(url, second)
        gate.set()
        wait_finished(url, first)

    items = home / "items" / "channel9" / "channel9" / f"{first}.jl"
    lines = items.read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["url"] for line in lines) == sorted(site.expected(base_url))
    served = requests.get(url + f"items/channel9/channel9/{first}.jl", timeout=10)
    assert served.content == items.read_bytes()
    logs = home / "logs" / "channel9" / "channel9"
    first_log = (logs / f"{first}.log").read_text(encoding="utf-8")
    assert first_log.splitlines()[-1].endswith(
        "[channel9.commands.crawl] INFO: Verdict: ok (exit status 0): 40 new articles"
    )
    second_log = (logs / f"{second}.log").read_text(encoding="utf-8")
    assert "Traceback" not in second_log
    assert (
        second_log.splitlines()[-1]
        .split("] ERROR: ")[1]
        .startswith("Verdict: could not start (exit status 2): Another crawl is running")
    )
    # Everything the project writes is under CHANNEL9_DATA_DIR, nothing where Scrapyd runs.
    assert sorted(path.name for path in home.iterdir()) == [
        "dbs",
        "eggs",
        "imported-from",
        "items",
        "logs",
        "runner",
        "scrapyd.conf",
        "scrapyd.out",
        "twistd.pid",
    ]
    assert (data / "channel9-state.sqlite3").is_file()
    assert len(list(data.glob("channel9-*.report.json"))) == 1
    assert list((data / "archive").glob("channel9-*.warc.gz"))
    assert (home / "imported-from").read_text().startswith(str(home / "eggs" / "channel9"))

    runs = subprocess.run(
        [SCRAPY, "runs", "--json", "-s", f"CHANNEL9_DATA_DIR={data}"],
        cwd=tmp_path,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert runs.returncode == 0, runs.stderr
    run, refused = [json.loads(line) for line in runs.stdout.splitlines()]
    assert (refused["verdict"], refused["job"], run["job"]) == ("refused", second, first)
    assert run["verdict"] == "ok"
    assert run["problems"] == []
    assert run["written"] == 40
    assert run["failed"] == 0
    assert run["output"] == str(items)
    assert run["report"] == str(next(data.glob("channel9-*.report.json")))
