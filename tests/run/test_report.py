"""The run report's hold on the process: what a crawler leaves behind when it is done."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.utils.defer import deferred_f_from_coro_f
from scrapy.utils.test import get_crawler

from channel9.addon import Channel9
from channel9.spiders.channel9 import Channel9Spider
from tests.conftest import crawl_in_process

SIGNAL_LOGGER = logging.getLogger("scrapy.utils.signal")


def test_crawlers_that_never_ran_leave_no_handler_on_the_signal_logger(tmp_path: Path) -> None:
    handlers = list(SIGNAL_LOGGER.handlers)
    settings = {"ADDONS": {Channel9: 0}, "CHANNEL9_STATE": "", "CHANNEL9_DATA_DIR": str(tmp_path)}

    for _ in range(3):
        get_crawler(Channel9Spider, settings)

    assert SIGNAL_LOGGER.handlers == handlers


@deferred_f_from_coro_f
async def test_a_crawl_that_ran_leaves_no_handler_on_the_signal_logger(
    base_url: str, tmp_path: Path
) -> None:
    handlers = list(SIGNAL_LOGGER.handlers)

    run = await crawl_in_process(tmp_path, base_url, "-a", "categories=opini")

    assert (run.returncode, run.verdict) == (0, "7 new articles")
    assert SIGNAL_LOGGER.handlers == handlers
