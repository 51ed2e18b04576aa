"""The README's commands, run as written against the fake site, in a fresh project folder.

A command the README shows must work as written: each ``sh`` and ``python`` block is run in
order, the crawls pointed at the fake site (the one change made to them: the live site is
not reachable from a test), and must exit 0. A command this test does not run is named in
``RUN_ELSEWHERE`` with the test that does, so that a new one cannot go untested unseen.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from channel9.demo.site import FakeSite, serve
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"^```(sh|python)\n(.*?)^```", re.MULTILINE | re.DOTALL)
# A crontab line's five schedule fields, before its command.
SCHEDULE = re.compile(r"^([0-9*/,-]+\s+){5}")
RUN_ELSEWHERE = {
    "make demo": "tests/test_demo.py",
    "make test": "the suite itself",
}


def commands(text: str) -> Iterator[tuple[str, str]]:
    """The README's commands in order: each line of a ``sh`` block (its comment cut, a
    crontab line's schedule dropped) and each ``python`` block whole."""
    for language, body in BLOCK.findall(text):
        if language == "python":
            yield language, body
            continue
        for line in body.splitlines():
            command = SCHEDULE.sub("", line.split("  #")[0].strip())
            if command:
                yield language, command


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh folder to run the commands in: the project's ``scrapy.cfg`` and ``.venv``."""
    (tmp_path / "scrapy.cfg").write_bytes((ROOT / "scrapy.cfg").read_bytes())
    (tmp_path / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return tmp_path


@pytest.mark.slow
def test_every_readme_command_works_as_written(project: Path) -> None:
    outputs = []
    with serve(FakeSite(count=30, doors=True)) as site:
        local = f"scrapy crawl channel9 -a base_url={site} -s DOWNLOAD_DELAY=0"
        for language, command in commands(README.read_text(encoding="utf-8")):
            if command in RUN_ELSEWHERE:
                continue
            if language == "python":
                argv = [sys.executable, "-c", command]
            else:
                command = command.replace("cd /path/to/channel9", f"cd {project}")
                argv = ["bash", "-c", command.replace("scrapy crawl channel9", local)]
            done = subprocess.run(
                argv, cwd=project, capture_output=True, text=True, timeout=300, check=False
            )
            assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
            if "||" in command:  # cron mails any output: a quiet line is a run that went well
                assert done.stdout == "", command
            outputs.append(done.stdout)
    # The crawls, the crontab line, the dataset and pandas reading it.
    assert len(outputs) == 4
    assert (project / "channel9.parquet").is_file()
    assert (project / "channel9.md").is_file()
    assert "published_at" in outputs[-1]


def test_the_readme_is_read_in_five_minutes() -> None:
    assert len(README.read_bytes()) <= 10_240


@pytest.mark.slow
def test_the_manuals_local_copy_and_replay_work_as_written(project: Path) -> None:
    guide = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    scripts = [body for _, body in BLOCK.findall(guide) if "base_url=" in body or "replay=" in body]
    assert len(scripts) == 2
    # The changes made to them: a site of 60 articles, not 600 (the demo crawls 600), on a
    # port nothing else listens on.
    served = "-m channel9.demo --port 8000"
    assert served in scripts[0]
    assert scripts[0].count("8000") == 2
    port = str(free_port())
    scripts[0] = scripts[0].replace(served, "-m channel9.demo --articles 60 --port 8000")
    scripts[0] = scripts[0].replace("8000", port)
    for script in scripts:
        # In a session of its own: the server the script starts is stopped whatever happens.
        shell = subprocess.Popen(
            ["bash", "-e", "-c", script],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            _, stderr = shell.communicate(timeout=300)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(shell.pid, signal.SIGTERM)
        assert shell.returncode == 0, (script, stderr[-3000:])
    assert (project / "copy" / "dataset.parquet").is_file()
    assert (project / "rebuilt.jsonl").stat().st_size > 0
    assert not (project / "data").exists()
