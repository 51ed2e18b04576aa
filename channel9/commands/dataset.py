"""``scrapy dataset``: every run's file merged into one deduplicated JSON Lines dataset."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError


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
        sources = args or [str(Path(self.settings["CHANNEL9_OUTPUT"]).parent)]
        output = Path(opts.output)
        files = sorted(path for path in run_files(sources) if path.resolve() != output.resolve())
        if not files:
            raise UsageError(f"no run files (*.jsonl) in {', '.join(sources)}")
        latest, broken = merge(files)
        partial = output.with_name(output.name + ".partial")
        with partial.open("w", encoding="utf-8") as file:
            for line in latest.values():
                file.write(line)
        partial.replace(output)
        print(f"{len(latest)} articles from {len(files)} run files written to {output}")
        for path, number in broken:
            print(f"skipped a broken line: {path}:{number}")


def run_files(sources: list[str]) -> Iterator[Path]:
    for source in map(Path, sources):
        if source.is_dir():
            yield from source.glob("*.jsonl")
        else:
            yield source


def merge(files: list[Path]) -> tuple[dict[str, str], list[tuple[Path, int]]]:
    """Each URL's latest line (files in run order), and the lines that are not JSON."""
    latest: dict[str, str] = {}
    broken = []
    for path in files:
        with path.open(encoding="utf-8") as file:
            for number, line in enumerate(file, 1):
                item = parse_line(line)
                if item is None:
                    broken.append((path, number))
                    continue
                latest.pop(item["url"], None)
                latest[item["url"]] = line if line.endswith("\n") else line + "\n"
    return latest, broken


def parse_line(line: str) -> dict[str, Any] | None:
    try:
        item = json.loads(line)
    except ValueError:
        return None
    return item if isinstance(item, dict) and item.get("url") else None
