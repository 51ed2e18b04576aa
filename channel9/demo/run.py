"""``python -m channel9.demo.run FOLDER``: the demo (`make demo`), the project from crawl to
dataset, offline, in about a minute.

Serves the fake site on 127.0.0.1, crawls it into FOLDER (run files, state and archive in
FOLDER/data, never data/), builds FOLDER/channel9.parquet with its card and plot, and
shows the runs, each step printed as ``$ scrapy ...`` before it runs. The exit status is
the failing step's, 0 when every step succeeds.

The site is a thread of this process: whatever ends the demo, kill -9 included, ends the
site too. SIGTERM, SIGINT (Ctrl-C) and SIGHUP are passed on to the running step, which
stops as it would on its own; the demo then exits with 128 + the signal's number. Each
demo starts afresh, deleting the last one's files, so FOLDER must be new, empty or a
demo's (it holds the marker ``.channel9-demo``): another folder (the project itself, with
its data/) is refused, and so is a folder where another demo runs, in one line with exit
status 2.
"""

from __future__ import annotations

import fcntl
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from channel9.demo import Parser
from channel9.demo.site import demo_site, serve

PROG = "make demo"
MARKER = ".channel9-demo"
NOTE = b"A demo's folder: make demo (python -m channel9.demo.run) deletes its files.\n"
STOPPING = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# The politeness a real site needs, off for this one on the same machine:
#   DOWNLOAD_DELAY=0                      no pause between requests: nobody else is served;
#   AUTOTHROTTLE_ENABLED=0                no delay to adapt to the server's answer times;
#   CONCURRENT_REQUESTS_PER_DOMAIN=16     a local server answers many requests at once;
#   CHANNEL9_STALE_AFTER=0                its articles are of 2025: old news, not a stale site.
UNHURRIED = (
    *("-s", "DOWNLOAD_DELAY=0"),
    *("-s", "AUTOTHROTTLE_ENABLED=0"),
    *("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"),
    *("-s", "CHANNEL9_STALE_AFTER=0"),
)


class Refused(Exception):
    """The demo cannot run in the folder it was given; the message says why."""


def claim(folder: Path) -> int:
    """Makes ``folder`` the demo's, locked and without the last demo's files; the file
    descriptor that holds the lock.

    The lock is on the marker file, so that a second demo in the same folder is refused
    before it deletes anything of the first. Steps inherit the descriptor: a crawl left
    running by a demo killed with kill -9 keeps its folder locked until it ends."""
    marker = folder / MARKER
    if folder.exists() and not folder.is_dir():
        raise Refused(f"{folder} is a file, not a folder: name a new one")
    if folder.is_dir() and not marker.is_file() and any(folder.iterdir()):
        raise Refused(
            f"{folder} is not a demo's folder (no {folder}/{MARKER}), nor empty: name a new one"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = os.open(marker, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise Refused(f"cannot write in {folder}: {error.strerror}") from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        raise Refused(f"another demo is running in {folder}: wait for it to end") from None
    os.ftruncate(lock, 0)
    os.write(lock, NOTE)
    # The site's port, and so the address the state knows, changes from one demo to the next.
    try:
        if (folder / "data").exists():
            shutil.rmtree(folder / "data")
        for output in folder.glob("channel9.*"):
            output.unlink()
    except OSError as error:
        raise Refused(f"cannot delete the last demo's {error.filename}: {error.strerror}") from None
    return lock


class Steps:
    """The demo's ``scrapy`` commands, run one at a time, and the signals that stop them."""

    def __init__(self, lock: int) -> None:
        self.lock = lock
        self.signals: list[int] = []
        """The stopping signals received, in order."""
        for signum in STOPPING:
            signal.signal(signum, self.stop)

    def stop(self, signum: int, frame: FrameType | None) -> None:
        """Notes a stopping signal; :meth:`run` passes it on to the running step."""
        self.signals.append(signum)

    def run(self, *args: str) -> int:
        """Runs ``scrapy ARGS``; its exit status, or 128 + the first signal received.

        The step runs in a session of its own, so that a Ctrl-C reaches it once, from
        here, and Scrapy stops gracefully rather than at once, as it does on a second."""
        if self.signals:
            return 128 + self.signals[0]
        print(f"$ scrapy {shlex.join(args)}", flush=True)
        # channel9's settings from any folder, not only one with its scrapy.cfg.
        env = {"SCRAPY_SETTINGS_MODULE": "channel9.settings", **os.environ}
        command = [sys.executable, "-m", "scrapy", *args]
        with subprocess.Popen(
            command, env=env, start_new_session=True, pass_fds=(self.lock,)
        ) as step:
            passed = 0
            while step.poll() is None:
                for signum in self.signals[passed:]:
                    step.send_signal(signum)
                passed = len(self.signals)
                time.sleep(0.05)
        return 128 + self.signals[0] if self.signals else step.returncode


def main(argv: list[str] | None = None) -> int:
    """Runs the demo in the folder named; the exit status."""
    parser = Parser(
        prog=PROG,
        description="Crawl the fake Channel9.id into FOLDER offline, build its dataset, card"
        " and plot there, and show the runs.",
    )
    parser.add_argument(
        "folder", metavar="FOLDER", help="new, empty or an earlier demo's (its files deleted)"
    )
    folder = Path(parser.parse_args(argv).folder)
    try:
        lock = claim(folder)
    except Refused as refusal:
        print(f"{PROG}: error: {refusal}", file=sys.stderr)
        return 2
    steps = Steps(lock)
    site = demo_site()
    with serve(site) as url:
        print(f"Serving {len(site.articles)} articles at {url}/", flush=True)
        # Everything the crawl writes goes under FOLDER/data: the demo leaves data/ alone.
        in_folder = ("-s", f"CHANNEL9_DATA_DIR={folder / 'data'}")
        return (
            steps.run("crawl", "channel9", "-a", f"base_url={url}", *in_folder, *UNHURRIED)
            or steps.run("dataset", "-o", str(folder / "channel9.parquet"), *in_folder)
            or steps.run("runs", *in_folder)
        )


if __name__ == "__main__":
    sys.exit(main())
