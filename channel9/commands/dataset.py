"""``scrapy dataset``: every run's file merged into one deduplicated JSON Lines dataset."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from channel9.addon import DEFAULTS

# The run files a crawl writes, as CHANNEL9_OUTPUT ("%(name)s-%(run_id)s.jsonl") names them:
# spelled out, since this command has no spider to fill in %(name)s.
RUN_FILES = "channel9-*.jsonl"


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[-o FILE] [RUN_FILE_OR_DIR ...]"

    def short_desc(self) -> str:
        return "Merge the run files into one dataset, the latest version of each URL winning"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-o", "--output", default="dataset.jsonl", help="the dataset file to write"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        sources = args or [
            str(
                Path(
                    str(self.settings.get("CHANNEL9_OUTPUT") or DEFAULTS["CHANNEL9_OUTPUT"])
                ).parent
            )
        ]
        files = sorted(run_files(sources))
        if not files:
            raise UsageError(f"no run files ({RUN_FILES}) in {', '.join(sources)}")
        output = Path(opts.output)
        check_output(output, sources, files)
        latest, broken = merge(files)
        try:
            write(output, latest.values())
        except OSError as error:
            raise UsageError(f"cannot write {output}: {error}") from error
        print(f"{len(latest)} articles from {len(files)} run files written to {output}")
        for path, number in broken:
            print(f"skipped a broken line: {path}:{number}")


def run_files(sources: list[str]) -> Iterator[Path]:
    """The files named, whatever their name, and the folders' run files only: a dataset
    merged into ``data/`` earlier is no run, and must not win over the runs after it."""
    for source in map(Path, sources):
        if source.is_dir():
            yield from (path for path in source.glob(RUN_FILES) if path.is_file())
        elif source.exists():
            yield source
        else:
            raise UsageError(f"no such file or folder: {source}")


def check_output(output: Path, sources: list[str], files: list[Path]) -> None:
    """Refuses an output that would overwrite a run file it reads (the output or its
    ``.partial``), or that a later merge of the same folders would read back as a run."""
    if output.is_dir():
        raise UsageError(f"-o names a folder: {output}")
    if output.is_symlink() or (output.exists() and not output.is_file()):
        # The dataset replaces its file whole: a link or a device would be replaced too.
        raise UsageError(f"-o names a link or a device, not a file: {output}")
    for target in (output, partial_of(output)):
        if target.exists() and any(target.samefile(path) for path in files):
            raise UsageError(f"-o would overwrite a run file it reads: {target}")
    folders = {Path(source).resolve() for source in sources if Path(source).is_dir()}
    if output.match(RUN_FILES) and output.parent.resolve() in folders:
        raise UsageError(
            f"-o is named like the run files ({RUN_FILES}) of a folder it reads: {output}"
        )


def merge(files: list[Path]) -> tuple[dict[str, bytes], list[tuple[Path, int]]]:
    """Each URL's latest line (files in run order), and the lines that are no article."""
    latest: dict[str, bytes] = {}
    broken = []
    for path in files:
        with path.open("rb") as file:
            for number, line in enumerate(file, 1):
                url = url_of(line)
                if url is None:
                    broken.append((path, number))
                    continue
                latest.pop(url, None)
                latest[url] = line if line.endswith(b"\n") else line + b"\n"
    return latest, broken


def url_of(line: bytes) -> str | None:
    """The URL of a line that is a UTF-8 JSON object with a URL, else None: a line cut by a
    killed run or mangled by hand is skipped, not the end of the merge."""
    try:
        item = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    url = item.get("url") if isinstance(item, dict) else None
    return url if isinstance(url, str) and url else None


def write(output: Path, lines: Iterable[bytes]) -> None:
    """Writes ``output`` whole or not at all: a ``.partial`` file renamed once complete, and
    removed on error, so that no half dataset is ever left behind."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_of(output)
    try:
        with partial.open("wb") as file:
            file.writelines(lines)
        partial.replace(output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def partial_of(output: Path) -> Path:
    return output.with_name(output.name + ".partial")
