"""``scrapy crawl``, with an exit status that tells a failed run, so that cron notices."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy.spiderloader import get_spider_loader
from scrapy.utils.log import configure_logging
from scrapy.utils.ossignal import install_shutdown_handlers

from channel9.commands import make_log_folder, refuse_options, say_errors_in_one_line
from channel9.crawl.arguments import Arguments
from channel9.crawl.check import DOORS, OK, HealthCheck
from channel9.defaults import check_settings
from channel9.failures import StartupError
from channel9.run.report import RunReport

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

logger = logging.getLogger(__name__)


def judge(report: RunReport) -> tuple[int, str]:
    """The exit status of a run whose crawl is over, and the verdict that says why.

    The report is closed first if it is not yet: a second Ctrl-C stops the crawl at once,
    before the report is written."""
    report.close("shutdown")
    problems = report.problems or []
    return (1 if problems else 0), "; ".join(problems) or report.summary()


def refuse_in_check(settings: BaseSettings, opts: argparse.Namespace) -> None:
    """What the health check will not do, asked for on the command line."""
    if opts.output or opts.overwrite_output:
        raise StartupError("check=1 writes nothing: give no -o or -O")
    given = SETTINGS_PRIORITIES["cmdline"]
    if given in (settings.getpriority("JOBDIR"), settings.getpriority("HTTPCACHE_ENABLED")):
        raise StartupError(
            "check=1 reads the site as it answers now: give it no JOBDIR and no HTTPCACHE_ENABLED"
        )


class Command(ScrapyCrawl):
    """Scrapy's ``crawl``; exits 1 when the run failed (the run report says why: see
    :meth:`channel9.run.report.RunReport.verdict`) and 2 when it could not start (a bad
    argument or setting, no such spider, a crawl state held by another run or unusable),
    saying why in one line."""

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        say_errors_in_one_line(parser)

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Checks the spider's name, its arguments and the project's settings before
        Scrapy logs its banner: a bad one is said in one line (exit status 2), and in the
        log too when it goes to a file (a Scrapyd job's), which must end with the verdict.
        The log file's folder is made first (:func:`channel9.commands.make_log_folder`)."""
        super().process_options(args, opts)
        assert self.settings is not None
        refuse_options(args)
        if len(args) != 1:
            raise UsageError("give one spider name: scrapy crawl channel9")
        log_file = make_log_folder(self.settings)
        try:
            spiders = get_spider_loader(self.settings).list()
            if args[0] not in spiders:
                known = ", ".join(sorted(spiders))
                raise StartupError(f"no spider {args[0]!r}: the project has {known}")
            if Arguments.parse(opts.spargs).check:
                refuse_in_check(self.settings, opts)
            check_settings(self.settings)
        except StartupError as error:
            if log_file:
                configure_logging(self.settings)
                self._cannot_start(error)
                self._say_verdict()
            raise UsageError(f"cannot start: {error}") from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        # Until the run says otherwise: a command that breaks off has failed.
        self.exitcode, self.verdict = 1, "the command broke off before the run's verdict"
        try:
            self._run(args[0], opts)
        finally:
            self._say_verdict()

    def _run(self, spider: str, opts: argparse.Namespace) -> None:
        check = Arguments.parse(opts.spargs).check
        crawler = self._crawl(HealthCheck if check else spider, opts)
        if crawler is None:
            return
        if check:
            self._judge_check(crawler)
            return
        try:
            report = crawler.get_extension(RunReport)
        except RuntimeError:  # the crawler never got as far as its extensions
            report = None
        if report is None:
            self._cannot_start("see the errors above in the log")
        else:
            self.exitcode, self.verdict = judge(report)

    def _crawl(self, spider: str | type[Spider], opts: argparse.Namespace) -> Crawler | None:
        """Runs the crawl to its end; None, said, when it could not start."""
        assert self.crawler_process is not None
        try:
            crawler = self.crawler_process.create_crawler(spider)
        except StartupError as error:
            self._cannot_start(error)
            return None
        started = self.crawler_process.crawl(crawler, **opts.spargs)
        errors: list[BaseException] = []

        def keep(task: asyncio.Future[None]) -> None:
            # Retrieved here, a startup error is said in one line, not as asyncio's
            # traceback; any other error keeps its traceback.
            error = None if task.cancelled() else task.exception()
            if error is None:
                return
            errors.append(error)
            if not isinstance(error, StartupError):
                logger.critical("The crawl could not start", exc_info=error)

        if isinstance(started, asyncio.Future):
            started.add_done_callback(keep)
        self.crawler_process.start()
        # The run is over: a further Ctrl-C or SIGTERM must not cut its verdict short.
        install_shutdown_handlers(signal.SIG_IGN)
        if errors:
            self._cannot_start(errors[0])
            return None
        if self.crawler_process.bootstrap_failed:
            self._cannot_start("see the errors above in the log")
            return None
        return crawler

    def _judge_check(self, crawler: Crawler) -> None:
        """The health check's lines, one per door, on stdout and in the log (a scheduler's
        log has no stdout); exit status 0 when every door is ok, 1 otherwise."""
        check = crawler.spider
        assert isinstance(check, HealthCheck)
        for line in check.lines():
            print(line, flush=True)
            logger.info("Health check: %s", line)
        broken = [
            f"{door} {outcome}" for door, (outcome, _) in check.outcomes().items() if outcome != OK
        ]
        assert crawler.stats is not None
        reason = crawler.stats.get_value("finish_reason")
        if reason != "finished":
            broken.insert(0, f"it ended early ({reason})")
        self.exitcode = 1 if broken else 0
        self.verdict = "health check: " + (
            "; ".join(broken) if broken else f"all {len(DOORS)} doors ok"
        )

    def _cannot_start(self, error: BaseException | str) -> None:
        """Said in one line; the verdict names any error other than the project's own."""
        named = isinstance(error, (str, StartupError))
        self.verdict = str(error) if named else f"{type(error).__name__}: {error}"
        logger.error("The crawl cannot start: %s", self.verdict)
        self.exitcode = 2

    def _say_verdict(self) -> None:
        """The run's verdict as the last line of its log, for a scheduler that shows no exit
        status (Scrapyd): ``Verdict: ok|failed|could not start (exit status N): why``.
        Handed to the log's handlers whatever ``LOG_LEVEL`` (an ok run logs at INFO): a
        log without it is a log cut short."""
        word = {0: "ok", 1: "failed"}.get(self.exitcode, "could not start")
        level = logging.INFO if self.exitcode == 0 else logging.ERROR
        args = (word, self.exitcode, self.verdict)
        record = logger.makeRecord(
            logger.name, level, __file__, 0, "Verdict: %s (exit status %d): %s", args, None
        )
        for handler in logging.getLogger().handlers:
            handler.handle(record)
