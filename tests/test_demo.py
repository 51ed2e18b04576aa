"""The demo: ``make demo``'s runner end to end, offline, and the demo site's command."""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import IO

import pyarrow.parquet as pq
import pytest

RUN = [sys.executable, "-m", "channel9.demo.run"]
SITE = [sys.executable, "-m", "channel9.demo"]


def demo(workdir: Path, folder: str = "demo") -> subprocess.CompletedProcess[str]:
    """Runs the demo as ``make demo`` does, in ``workdir``, into ``folder``."""
    return subprocess.run([*RUN, folder], cwd=workdir, capture_output=True, text=True, timeout=180)


def start_demo(workdir: Path, stderr: int | IO[str] = subprocess.PIPE) -> subprocess.Popen[str]:
    """Starts the demo in ``workdir``, into ``demo``, its output in pipes."""
    return subprocess.Popen(
        [*RUN, "demo"], cwd=workdir, stdout=subprocess.PIPE, stderr=stderr, text=True
    )


def read_until(stream: IO[str] | None, text: str) -> list[str]:
    """The lines of ``stream`` up to the first that holds ``text``, that one included."""
    assert stream is not None
    lines = [stream.readline()]
    while text not in lines[-1]:
        assert lines[-1], f"{text!r} never came"
        lines.append(stream.readline())
    return lines


def port_of(site_line: str) -> int:
    """The port in the demo site's line (``Serving N articles at http://HOST:PORT/``)."""
    return int(site_line.split(" at ")[1].split("/")[2].split(":")[1])


def is_served(port: int) -> bool:
    """Whether something still listens on ``port`` of 127.0.0.1."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return True
    except ConnectionRefusedError:
        return False


@pytest.mark.slow
def test_demo_builds_the_dataset_offline_and_refuses_a_second_at_once(tmp_path: Path) -> None:
    """While a demo runs, a second one in the same folder is refused and touches nothing:
    the first builds its dataset as if alone."""
    with (tmp_path / "stderr").open("w", encoding="utf-8") as log:
        first = start_demo(tmp_path, stderr=log)
        started = read_until(first.stdout, "$ scrapy crawl ")
        second = demo(tmp_path)
        assert first.stdout is not None
        rest = first.stdout.read()
        first.wait(timeout=180)

    assert (second.returncode, second.stdout) == (2, "")
    assert (
        second.stderr == "make demo: error: another demo is running in demo: wait for it to end\n"
    )
    assert first.returncode == 0, (tmp_path / "stderr").read_text(encoding="utf-8")[-3000:]
    folder = tmp_path / "demo"
    assert pq.read_table(folder / "channel9.parquet").num_rows == 600
    assert (folder / "channel9.md").read_text(encoding="utf-8").strip()
    assert (folder / "channel9.png").read_bytes().startswith(b"\x89PNG")
    stdout = "".join(started) + rest
    runs = stdout.split("\n$ scrapy runs ")[1].splitlines()[1:]
    assert runs[0].startswith("started (UTC)")
    assert runs[1].split()[-4:] == ["600", "0", "0", "ok"]
    assert len(list((folder / "data").glob("channel9-*.jsonl"))) == 1
    assert not (tmp_path / "data").exists()
    assert (folder / ".channel9-demo").is_file()
    assert not is_served(port_of(started[0]))


@pytest.mark.parametrize("folder", [".", "project"])
def test_demo_refuses_a_folder_it_did_not_make(folder: str, tmp_path: Path) -> None:
    """A demo in the project would delete its data/: a folder that holds files and no
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


def test_demo_ends_with_the_failing_steps_status_and_stops_the_site(tmp_path: Path) -> None:
    (tmp_path / "failing_settings.py").write_text("raise SystemExit(3)\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "SCRAPY_SETTINGS_MODULE": "failing_settings"}

    done = subprocess.run(
        [*RUN, "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 3
    site_line, *steps = done.stdout.splitlines()
    assert [step.split(" -a ")[0] for step in steps] == ["$ scrapy crawl channel9"]
    assert not is_served(port_of(site_line))


def test_sigterm_during_the_crawl_stops_it_and_the_demo_with_143(tmp_path: Path) -> None:
    """The crawl stops as on its own SIGTERM, with its verdict; no further step runs."""
    with start_demo(tmp_path) as running:
        site_line, crawl = read_until(running.stdout, "$ scrapy crawl ")
        read_until(running.stderr, "Spider opened")

        running.send_signal(signal.SIGTERM)
        assert running.stdout is not None and running.stderr is not None
        rest, stderr = running.stdout.read(), running.stderr.read()
        running.wait(timeout=60)

    assert running.returncode == 143
    assert crawl.startswith("$ scrapy crawl channel9 ")
    assert rest == ""
    verdict = "] ERROR: Verdict: failed (exit status 1): it ended early (shutdown)"
    assert verdict in stderr.splitlines()[-1]
    assert not is_served(port_of(site_line))


def test_kill_9_of_the_demo_stops_the_site(tmp_path: Path) -> None:
    with start_demo(tmp_path) as running:
        port = port_of(read_until(running.stdout, "Serving ")[0])
        read_until(running.stderr, "Spider opened")
        assert is_served(port)
        crawl = Path(f"/proc/{running.pid}/task/{running.pid}/children").read_text().split()

        running.kill()
        running.wait(timeout=30)

        try:
            assert not is_served(port)
        finally:  # the crawl, left without its site, would end on its own in a few seconds
            os.kill(int(crawl[0]), signal.SIGKILL)


def test_site_serves_until_sigterm_or_sigint() -> None:
    for stop in (signal.SIGTERM, signal.SIGINT):
        server = subprocess.Popen([*SITE, "--articles", "12"], stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("Serving 12 articles at http://127.0.0.1:")
        assert line.endswith("/ (Ctrl-C stops it)\n")
        with urllib.request.urlopen(line.split(" at ")[1].split(" ")[0], timeout=5) as page:
            assert page.status == 200
        server.send_signal(stop)
        assert server.wait(timeout=10) == 0


def test_site_is_quiet_when_a_client_hangs_up() -> None:
    """A client that resets its connection (a crawl stopped mid-page) is no error."""
    server = subprocess.Popen(
        [*SITE, "--articles", "12"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    url = read_until(server.stdout, "Serving ")[0].split(" at ")[1].split(" ")[0]
    with socket.create_connection(("127.0.0.1", int(url.split(":")[2].strip("/")))) as client:
        client.sendall(b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.recv(100).startswith(b"HTTP/1.1 200 ")
        # A linger of 0: close() resets the connection while the server waits for more.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with urllib.request.urlopen(url, timeout=5) as page:
        assert page.status == 200

    server.send_signal(signal.SIGTERM)
    _, stderr = server.communicate(timeout=10)

    assert (server.returncode, stderr) == (0, "")


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--host", ""], "--host must name an address, such as 127.0.0.1"),
        (["--articles", "0"], "--articles must be 1 to 10,000, not 0"),
        (["--articles", "10001"], "--articles must be 1 to 10,000, not 10001"),
        (["--port", "65536"], "--port must be 0 to 65535, not 65536"),
        (["--port", "x"], "argument --port: invalid int value: 'x'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_site_says_a_bad_argument_in_one_line(argv: list[str], error: str) -> None:
    done = subprocess.run([*SITE, *argv], capture_output=True, text=True, timeout=30)

    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"python -m channel9.demo: error: {error}\n"


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
