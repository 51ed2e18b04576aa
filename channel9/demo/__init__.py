"""The demo: a fake copy of Channel9.id to crawl offline, the command that serves it
(``python -m channel9.demo``) and the one that runs `make demo` (``python -m
channel9.demo.run``)."""

from __future__ import annotations

import argparse
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """An argument parser that says a usage error in one line, ``PROG: error: WHY``, with
    exit status 2, as the project's scrapy commands do.

    argparse prints the usage before the message: a person wants the one line that says
    what to change, and ``--help`` has the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")
