"""The run report's hold on the process: what a crawler leaves behind when it is done."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy.utils.test import get_crawler

from channel9.addon import Channel9
from channel9.spiders.channel9 import Channel9Spider


def test_crawlers_that_never_ran_leave_no_handler_on_the_signal_logger(tmp_path: Path) -> None:
    handlers = list(logging.getLogger("scrapy.utils.signal").handlers)
    settings = {"ADDONS": {Channel9: 0}, "CHANNEL9_STATE": "", "CHANNEL9_DATA_DIR": str(tmp_path)}

    for _ in range(3):
        get_crawler(Channel9Spider, settings)

    assert logging.getLogger("scrapy.utils.signal").handlers == handlers
