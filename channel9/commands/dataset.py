"""``scrapy dataset``: every run's file merged into one dataset (JSON Lines, Parquet or
CSV) and its card."""

from __future__ import annotations

import argparse
import os
import shlex
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from channel9.addon import data_path
from channel9.card import Origin, companions, counted, write_card
from channel9.dataset import (
    FORMATS,
    ChangedWhileRead,
    Filters,
    atomic,
    build,
    category_key,
    partial_of,
)
from channel9.state import StateError, listed_categories, runs_of

# The run files a crawl writes, as CHANNEL9_OUTPUT ("%(name)s-%(run_id)s.jsonl") names them:
# spelled out, since this command has no spider to fill in %(name)s.
RUN_FILES = "channel9-*.jsonl"


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[-o FILE] [--since DAY] [--until DAY] [--category C ...] [RUN_FILE_OR_DIR ...]"

    def short_desc(self) -> str:
        return "Merge the run files into one dataset and its card, the latest version winning"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "-o",
            "--output",
            default="dataset.jsonl",
            help=f"the dataset file to write, its format by its name: {', '.join(FORMATS)}",
        )
        parser.add_argument("--since", type=day, help="the first publication day (YYYY-MM-DD)")
        parser.add_argument("--until", type=day, help="the last publication day (YYYY-MM-DD)")
        parser.add_argument(
            "--category",
            action="append",
            default=[],
            help="only articles in this category (label or slug); may be repeated",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        sources = args or [str(self.setting_path("CHANNEL9_OUTPUT").parent)]
        output = Path(opts.output)
        if output.suffix not in FORMATS:
            raise UsageError(f"-o must end in {', '.join(FORMATS)}: {output}")
        if opts.since and opts.until and opts.since > opts.until:
            raise UsageError(f"--since {opts.since} is after --until {opts.until}")
        files = sorted(run_files(sources))
        if not files:
            raise UsageError(f"no run files ({RUN_FILES}) in {', '.join(sources)}")
        check_output(output, sources, files)
        state = self.setting_path("CHANNEL9_STATE")
        known = state.is_file()
        filters = Filters(opts.since, opts.until, tuple(map(category_key, opts.category)))
        card = companions(output)
        try:
            listed = listed_categories(state) if known else {}
            origin = Origin(
                command(args, opts),
                built_at(),
                state if known else None,
                runs_of(state, files) if known else [],
            )
            # Every file renamed into place at the end, the dataset last: all or nothing.
            with ExitStack() as written:
                into = written.enter_context(atomic(output))
                built = build(files, filters, listed, into, output.suffix)
                write_card(
                    output, built, origin, [written.enter_context(atomic(path)) for path in card]
                )
        except (StateError, ChangedWhileRead) as error:
            raise UsageError(str(error)) from error
        except OSError as error:
            raise UsageError(f"cannot write {output}: {error}") from error
        print(
            f"{counted(built.summary.articles, 'article')} from"
            f" {counted(len(files), 'run file')} written to"
            f" {output}, described in {', '.join(map(str, card))}"
        )
        for path, number in built.broken:
            print(f"skipped a broken line: {path}:{number}")

    def setting_path(self, name: str) -> Path:
        assert self.settings is not None
        return Path(data_path(self.settings, name))


def day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {value!r}") from None


def command(args: list[str], opts: argparse.Namespace) -> str:
    """The command that builds this dataset again, as the card shows it."""
    words = ["scrapy", "dataset", "-o", opts.output]
    for name in ("since", "until"):
        if getattr(opts, name):
            words += [f"--{name}", getattr(opts, name).isoformat()]
    for category in opts.category:
        words += ["--category", category]
    return shlex.join([*words, *args])


def built_at() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set: a rebuilt card reads the same."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)


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
    for target in companions(output):
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise UsageError(f"the card would replace a link, a folder or a device: {target}")
    for target in (
        output,
        partial_of(output),
        *companions(output),
        *map(partial_of, companions(output)),
    ):
        if target.exists() and any(target.samefile(path) for path in files):
            raise UsageError(f"-o would overwrite a run file it reads: {target}")
    folders = {Path(source).resolve() for source in sources if Path(source).is_dir()}
    if output.match(RUN_FILES) and output.parent.resolve() in folders:
        raise UsageError(
            f"-o is named like the run files ({RUN_FILES}) of a folder it reads: {output}"
        )
