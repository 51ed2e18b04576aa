"""The demo: ``make demo``'s sequence end to end, offline, and the demo site's command."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "channel9" / "demo" / "run.sh"
BIN = Path(sys.executable).parent
SITE = [sys.executable, "-m", "channel9.demo"]


def demo(
    workdir: Path, path: str = str(BIN), folder: str = "demo"
) -> subprocess.CompletedProcess[str]:
    """Runs the demo's sequence as ``make demo`` does, in ``workdir``, into ``folder``,
    with ``path`` (the folders of its ``scrapy`` and ``python``) first in PATH."""
    env = {
        **os.environ,
        "PATH": f"{path}:{os.environ['PATH']}",
        "SCRAPY_SETTINGS_MODULE": "channel9.settings",
    }
    return subprocess.run(
        ["sh", str(RUN), folder], cwd=workdir, env=env, capture_output=True, text=True, timeout=180
    )


def is_served(site_line: str) -> bool:
    """Whether the address in the demo site's line still answers."""
    url = site_line.split(" at ")[1].split(" ")[0]
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except OSError:
        return False


def test_demo_builds_the_dataset_offline_and_leaves_data_alone(tmp_path: Path) -> None:
    done = demo(tmp_path)

    assert done.returncode == 0, done.stderr
    folder = tmp_path / "demo"
    assert pq.read_table(folder / "channel9.parquet").num_rows == 600
    assert (folder / "channel9.md").read_text(encoding="utf-8").strip()
    assert (folder / "channel9.png").read_bytes().startswith(b"\x89PNG")
    runs = done.stdout.split("\n$ scrapy runs ")[1].splitlines()[1:]
    assert runs[0].startswith("started (UTC)")
    assert runs[1].split()[-4:] == ["600", "0", "0", "ok"]
    assert len(list((folder / "data").glob("channel9-*.jsonl"))) == 1
    assert not (tmp_path / "data").exists()
    assert (folder / ".channel9-demo").is_file()
    assert not is_served((folder / "site.txt").read_text(encoding="utf-8"))


@pytest.mark.parametrize("folder", [".", "project"])
def test_demo_refuses_a_folder_it_did_not_make(folder: str, tmp_path: Path) -> None:
    """`run.sh .` in the project would delete its data/: a folder that holds files and no
    demo's marker is refused, and nothing in it is touched."""
    project = tmp_path / "project"
    kept = {
        "data/channel9-state.sqlite3": "the state",
        "data/channel9-20250101T000000Z.jsonl": "{}\n",
        "channel9.parquet": "a dataset",
        "site.txt": "notes",
    }
    for name, text in kept.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")

    done = demo(project if folder == "." else tmp_path, folder=folder)

    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"make demo: error: {folder} is not a demo's folder (no {folder}/.channel9-demo),"
        " nor empty: name a new one\n"
    )
    assert {
        str(path.relative_to(project)): path.read_text(encoding="utf-8")
        for path in project.rglob("*")
        if path.is_file()
    } == kept


def test_demo_stops_the_site_when_a_step_fails(tmp_path: Path) -> None:
    failing = tmp_path / "bin"
    failing.mkdir()
    (failing / "scrapy").write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    (failing / "scrapy").chmod(0o755)

    done = demo(tmp_path, f"{failing}:{BIN}")

    assert done.returncode == 3
    assert not is_served((tmp_path / "demo" / "site.txt").read_text(encoding="utf-8"))


def test_site_serves_until_sigterm_or_sigint() -> None:
    for stop in (signal.SIGTERM, signal.SIGINT):
        server = subprocess.Popen([*SITE, "--articles", "12"], stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("Serving 12 articles at http://127.0.0.1:")
        assert line.endswith("/ (Ctrl-C stops it)\n")
        assert is_served(line)
        server.send_signal(stop)
        assert server.wait(timeout=10) == 0


def test_site_on_a_port_in_use_is_a_one_line_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*SITE, "--port", str(port)], capture_output=True, text=True, timeout=30
        )

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"python -m channel9.demo: error: cannot serve on 127.0.0.1:{port}:"
        " Address already in use\n"
    )
