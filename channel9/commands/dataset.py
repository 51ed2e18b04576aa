"""``scrapy dataset``: every run's file merged into one dataset (JSON Lines, Parquet or
CSV) and its card."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import sys
from collections.abc import Iterable
from contextlib import ExitStack
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES

from channel9.commands import refuse_options, say_errors_in_one_line
from channel9.dataset.build import (
    FORMATS,
    Filters,
    NoArticle,
    UnknownCategory,
    Unreadable,
    atomic,
    build,
    category_key,
    partial_of,
    valid,
)
from channel9.dataset.card import (
    Origin,
    companions,
    foreign,
    left_out,
    sharing,
    write_card,
)
from channel9.dataset.workers import WorkerDied
from channel9.defaults import BadSetting, check_names
from channel9.incremental.history import Run, listed_categories, read_runs
from channel9.incremental.store import StateError
from channel9.meter import counted
from channel9.paths import data_dir, data_path
from channel9.site import JAKARTA

# The run files a crawl writes, as CHANNEL9_OUTPUT ("%(name)s-%(run_id)s.jsonl") names them:
# spelled out, since this command has no spider to fill in %(name)s.
RUN_FILES = "channel9-*.jsonl"
# The feeds Scrapy writes in other formats than JSON, by the suffixes that choose them.
OTHER_FEEDS = frozenset({".csv", ".xml", ".pickle", ".marshal"})
DATASET_EXTRA = ("pyarrow", "matplotlib", "py3langid", "datasketch", "numpy")
"""The packages only this command uses: the ``dataset`` extra of pyproject.toml."""
READ_FROM = ("CHANNEL9_DATA_DIR", "CHANNEL9_OUTPUT", "CHANNEL9_STATE")
"""The settings that choose what a build reads: given with ``-s``, the command the card
shows and the one a refusal suggests give them too, to read the same when pasted."""


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return (
            "[-o FILE] [--since DAY] [--until DAY] [--category C ...] [--allow-missing]"
            " [RUN_FILE_OR_DIR ...]"
        )

    def short_desc(self) -> str:
        return "Merge the run files into one dataset and its card, the latest version winning"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        say_errors_in_one_line(parser)
        parser.add_argument(
            "-o",
            "--output",
            default="dataset.jsonl",
            metavar="FILE",
            help="the dataset file to write, in the format its name ends in"
            f" ({', '.join(FORMATS)}); its card, plot and schema beside it"
            " (default dataset.jsonl)",
        )
        parser.add_argument(
            "--since", metavar="DAY", help="the first publication day, as YYYY-MM-DD"
        )
        parser.add_argument(
            "--until", metavar="DAY", help="the last publication day, as YYYY-MM-DD"
        )
        parser.add_argument(
            "--category",
            action="append",
            default=[],
            metavar="C",
            help="only articles in this category (label or slug); may be repeated",
        )
        parser.add_argument(
            "--revisions",
            action="store_true",
            help="every version of each article the run files hold, not only its latest,"
            " with its number (revision, 1 for the first fetched) and the fields that"
            " changed since the one before (changed)",
        )
        parser.add_argument(
            "--allow-missing",
            action="store_true",
            help="build even though the crawl state knows runs whose files are not read"
            " (their articles left out, said on stderr and in the card)",
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        check_extra()
        refuse_options(args)
        opts.since, opts.until = day("--since", opts.since), day("--until", opts.until)
        output = Path(opts.output)
        if output.suffix not in FORMATS:
            raise UsageError(f"-o must end in {', '.join(FORMATS)}: {output}")
        if opts.since and opts.until and opts.since > opts.until:
            raise UsageError(f"--since {opts.since} is after --until {opts.until}")
        if opts.since and opts.since > datetime.now(JAKARTA).date():
            # The site's today: no article is published later (the dataset would replace
            # a good one with nothing).
            raise UsageError(f"--since {opts.since} is after today: the dataset would be empty")
        try:
            check_names(self.settings)
        except BadSetting as error:
            raise UsageError(str(error)) from None
        home = self.run_folder()
        sources = args or [str(home)]
        state = self.setting_path("CHANNEL9_STATE")
        try:
            # Read before the files are listed: a crawl that ends in between is then one
            # still running, its file read as far as it was written, not a run whose file
            # the build would leave out.
            runs = read_runs(state) if state is not None and state.is_file() else []
        except StateError as error:
            self.fail(error)
            return
        files = run_files(sources)
        if not files:
            raise UsageError(f"no run files ({RUN_FILES}) in {', '.join(sources)}")
        check_output(output, [*sources, str(home)], files)
        if state is not None and not state.is_file():
            raise UsageError(
                f"no crawl state at {state} to tell which listings showed each article: build"
                " where the crawls run (CHANNEL9_DATA_DIR), or give -s CHANNEL9_STATE= to"
                " keep the categories the pages name"
            )
        moment = built_at()
        card = companions(output)
        given = self.read_from()
        try:
            listed, slugs = listed_categories(state) if state else ({}, {})
            named = tuple(category_key(slugs.get(name, name)) for name in opts.category)
            read = {path.resolve() for path in files}
            origin = Origin(
                command=command(args, opts, given),
                built_at=moment,
                state=state,
                runs=[run for run in runs if run.output and Path(run.output).resolve() in read],
                # A run that wrote to no local file (stdout) is warned of as one gone: no
                # build can read it, and refusing would refuse every build after it.
                gone=[run for run in runs if run.output_gone or (run.written and not run.output)],
                unread=[run for run in runs if unread(run, read)],
                known=len(runs),
            )
            if origin.unread and not opts.allow_missing:
                # Refused before anything is written: a dataset without their articles
                # would replace a whole one, and a cron job would mail nothing but this.
                self.refuse_unread(origin.unread, sources, given, opts)
                return
            # Renamed into place once every file is whole: the dataset first, then its
            # card (a kill between the renames leaves the old card beside the new dataset).
            with ExitStack() as written:
                into_card = [written.enter_context(atomic(path)) for path in card]
                into = written.enter_context(atomic(output))
                filters = Filters(opts.since, opts.until, named)
                built = build(
                    files, filters, listed, into, output.suffix, sys.stderr, opts.revisions
                )
                write_card(output, built, origin, into_card, into)
        except UnknownCategory as error:
            raise UsageError(str(error)) from None
        except NoArticle as error:
            kept = f"; the previous {output} kept" if output.exists() else ""
            self.fail(f"{no_article(opts, files, error.broken)}: nothing written{kept}")
            return
        except (StateError, Unreadable, WorkerDied, OSError) as error:
            self.fail(
                error if not isinstance(error, OSError) else f"cannot write {output}: {error}"
            )
            return
        # On stderr, which cron mails, before the line that says what was written: each is
        # articles that may be missing from the dataset.
        for path, number in built.broken:
            print(
                f"scrapy dataset: warning: skipped a broken line: {path}:{number}", file=sys.stderr
            )
        for told in left_out(origin):
            print(f"scrapy dataset: warning: {told}", file=sys.stderr)
        sys.stderr.flush()
        versions = "" if built.revisions is None else f" ({counted(built.revisions, 'version')})"
        print(
            f"{counted(built.summary.articles, 'article')}{versions} from"
            f" {counted(len(files), 'run file')} written to"
            f" {output}, described in {', '.join(map(str, card))}"
        )

    def refuse_unread(
        self, runs: list[Run], sources: list[str], given: list[str], opts: argparse.Namespace
    ) -> None:
        """Says which runs' files the crawl state knows and the build would not read, and
        the command that reads them too (``given``: its ``-s`` words); exit status 1.

        A crawl told to write elsewhere (``-O out.jsonl``) still records its run in the
        state: its articles belong in the dataset. The files of runs the state knows are
        gone (Scrapyd deletes old item files) cannot be named: those are only warned of."""
        outputs = [str(run.output) for run in runs]
        print(
            f"scrapy dataset: error: the crawl state knows {counted(len(runs), 'run')} whose"
            f" files would not be read ({', '.join(outputs)}): build with them"
            f" ({command([*sources, *outputs], opts, given)}) or without their articles"
            " (--allow-missing); nothing written",
            file=sys.stderr,
        )
        self.exitcode = 1

    def fail(self, reason: object) -> None:
        """Not a usage error: said in one line, exit status 1, as ``scrapy crawl`` does."""
        print(f"scrapy dataset: error: {reason}", file=sys.stderr)
        self.exitcode = 1

    def run_folder(self) -> Path:
        """Where the crawls write their run files."""
        assert self.settings is not None
        run_file = self.setting_path("CHANNEL9_OUTPUT")
        return run_file.parent if run_file else data_dir(self.settings)

    def read_from(self) -> list[str]:
        """The ``-s NAME=VALUE`` words of the :data:`READ_FROM` settings the command line
        gave, in that order."""
        assert self.settings is not None
        cmdline = SETTINGS_PRIORITIES["cmdline"]
        return [
            word
            for name in READ_FROM
            if self.settings.getpriority(name) == cmdline
            for word in ("-s", f"{name}={self.settings[name]}")
        ]

    def setting_path(self, name: str) -> Path | None:
        """A path setting as a crawl reads it; None when set empty (off)."""
        assert self.settings is not None
        value = data_path(self.settings, name)
        return Path(value) if value else None


def check_extra() -> None:
    """Refuses to build without the ``dataset`` extra, in one line that names it.

    A crawl and the Scrapyd egg do without pyarrow and matplotlib, so ``pip install
    channel9`` leaves them out; the build imports them late, once files are written."""
    missing = [name for name in DATASET_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(
            f"{' and '.join([', '.join(missing[:-1]), missing[-1]] if missing[:-1] else missing)}"
            " not installed, which the dataset needs:"
            " pip install 'channel9[dataset]'"
        )


def unread(run: Run, read: set[Path]) -> bool:
    """A run whose file is there, not among those read, though it exported articles."""
    if run.output is None or not run.written:
        return False
    output = Path(run.output)
    return output.is_file() and output.resolve() not in read


def day(option: str, value: str | None) -> date | None:
    """The day an option names, if it names one: checked as a line's day is."""
    if value is None:
        return None
    if not valid("published_date", value):
        raise UsageError(f"{option} {value} is not a day (YYYY-MM-DD)")
    return date.fromisoformat(value)


def command(args: list[str], opts: argparse.Namespace, given: list[str]) -> str:
    """The command that builds this dataset again, as the card shows it; ``given``: the
    ``-s`` words of the settings that chose what was read."""
    words = ["scrapy", "dataset", *given, "-o", opts.output, *filtering(opts)]
    if opts.allow_missing:
        words.append("--allow-missing")
    if any(arg.startswith("-") for arg in args):
        words.append("--")  # a run file named like an option, such as ``-old.jsonl``
    return shlex.join([*words, *args])


def filtering(opts: argparse.Namespace) -> list[str]:
    """The options that choose which articles are kept, as words of a command."""
    words = []
    for name in ("since", "until"):
        if getattr(opts, name):
            words += [f"--{name}", getattr(opts, name).isoformat()]
    for category in opts.category:
        words += ["--category", category]
    return words


def no_article(opts: argparse.Namespace, files: list[Path], broken: list[tuple[Path, int]]) -> str:
    """Why a build has no article to write: its filters, or run files without one."""
    read = counted(len(files), "run file")
    chosen = filtering(opts)
    why = (
        f"no article of {read} matches {shlex.join(chosen)}" if chosen else f"no article in {read}"
    )
    if broken:
        (path, number), *_ = broken
        why += f" ({counted(len(broken), 'line')} that are no article, the first {path}:{number})"
    return why


def built_at() -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set: a rebuilt card reads the same."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is no number of seconds") from None
    return datetime.now(timezone.utc).replace(microsecond=0)


def run_files(sources: list[str]) -> list[Path]:
    """The files named, whatever their name, and the folders' run files only (a dataset
    merged into ``data/`` earlier is no run), each once, by name: the run's start."""
    found: dict[Path, Path] = {}
    if "" in sources:  # Path("") is the current folder
        raise UsageError("a run file or folder is named, not ''")
    for source in map(Path, sources):
        named: Iterable[Path]
        if source.is_dir():
            named = (path for path in source.glob(RUN_FILES) if path.is_file())
        elif source.is_file():
            named = [source]
        elif source.exists():  # a pipe would never end, a device never hold lines
            raise UsageError(f"not a file or folder: {source}")
        else:
            raise UsageError(f"no such file or folder: {source}")
        for path in named:
            if path.suffix.lower() in OTHER_FEEDS:
                raise UsageError(
                    f"{path} is a feed of another format than JSON: the dataset reads the"
                    " items as JSON lines (-O out.jsonl) or a JSON array (-O out.json)"
                )
            found.setdefault(path.resolve(), path)
    return sorted(found.values(), key=lambda path: (path.name, str(path)))


def check_output(output: Path, sources: list[str], files: list[Path]) -> None:
    """Refuses an output that would overwrite a run file it reads (the output or its
    ``.partial``), or that a later merge of these folders (the crawls' among them) would
    read back as a run."""
    if output.is_dir():
        raise UsageError(f"-o names a folder: {output}")
    if output.is_symlink() or (output.exists() and not output.is_file()):
        # The dataset replaces its file whole: a link or a device would be replaced too.
        raise UsageError(f"-o names a link or a device, not a file: {output}")
    for target in companions(output):
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise UsageError(f"the card would replace a link, a folder or a device: {target}")
    stranger = foreign(output)
    if stranger:
        raise UsageError(
            f"-o {output} would replace {stranger}, which scrapy dataset did not write:"
            " name it otherwise"
        )
    shared = sharing(output)
    if shared:
        card = companions(output)[0]
        raise UsageError(
            f"-o {output} would replace {card}, the card of {shared}: name it otherwise"
        )
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
