"""The ``dataset`` extra: a crawl goes without it, ``scrapy dataset`` names it when missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import article, lines

# The command as installed without the extra: the packages imported as missing ones are.
WITHOUT = """
import sys

for name in sys.argv[1].split():
    sys.modules[name] = None
from scrapy.cmdline import execute

execute(["scrapy", "dataset", "-s", "CHANNEL9_STATE=", "-o", "ds.parquet"])
"""


def test_the_dataset_without_its_extra_says_which_to_install(tmp_path: Path) -> None:
    """As ``pip install channel9`` leaves it: one line, exit status 2, nothing written."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "channel9-1.jsonl").write_bytes(lines(article("a")))

    done = subprocess.run(
        [sys.executable, "-c", WITHOUT, "pyarrow matplotlib datasketch"],
        cwd=tmp_path,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "channel9.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        "scrapy dataset: error: pyarrow, matplotlib and datasketch not installed, which the"
        " dataset needs:"
        " pip install 'channel9[dataset]'\n",
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data"]
