"""What a worker process may do to a build, as functions a spawned worker can import."""

from __future__ import annotations

import os
import time
from pathlib import Path


def die(texts: list[str]) -> list[str]:
    """Ends the worker at once, as a kill or the out-of-memory killer would."""
    os._exit(9)


def hang(texts: list[str]) -> list[str]:
    """Notes the worker's pid in the folder the environment names, then waits for ever."""
    (Path(os.environ["CHANNEL9_TEST_PIDS"]) / str(os.getpid())).touch()
    while True:
        time.sleep(1)
