"""``python -m channel9.demo``: serves the fake Channel9.id on 127.0.0.1 until stopped.

Anyone can crawl it offline. Once the site answers, one line with its address is printed
(and flushed), so that a script can wait for that line; Ctrl-C or SIGTERM stop it with
exit status 0 (their handlers are POSIX's, as the project's file locks are). A bad
argument or a port that cannot be had is a one-line error, exit status 2.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import ExitStack

from channel9.demo import Parser
from channel9.demo.site import demo_site, serve

PROG = "python -m channel9.demo"
MOST_ARTICLES = 10_000
"""The most articles served: the site is generated whole before it answers, and the time
that takes grows faster than the count (10,000 articles take about a second, 200,000
half a minute and 360 MB)."""


def main(argv: list[str] | None = None) -> int:
    """Serves the site until a signal stops it; the exit status."""
    parser = Parser(
        prog=PROG,
        description="Serve a fake copy of Channel9.id to crawl offline: generated articles"
        " in the site's markup, one every 15 hours on average from 2025-01-06. Ctrl-C stops it.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="the address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="the port (default: a free one)")
    parser.add_argument(
        "--articles",
        type=int,
        default=600,
        metavar="N",
        help=f"how many articles, 1 to {MOST_ARTICLES:,} (default 600)",
    )
    parser.add_argument(
        "--seed", type=int, default=9, metavar="N", help="the seed of their text (default 9)"
    )
    args = parser.parse_args(argv)
    if not args.host:
        # Empty is every address of the machine: no address to print, nor one to crawl.
        parser.error("--host must name an address, such as 127.0.0.1")
    if not 1 <= args.articles <= MOST_ARTICLES:
        parser.error(f"--articles must be 1 to {MOST_ARTICLES:,}, not {args.articles}")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be 0 to 65535, not {args.port}")
    # A signal ends the wait below, so that the server stops through serve's cleanup.
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stopped.set())
    with ExitStack() as served:
        try:
            url = served.enter_context(
                serve(demo_site(args.articles, args.seed), args.host, args.port)
            )
        except OSError as error:
            where = f"{args.host}:{args.port}"
            print(f"{PROG}: error: cannot serve on {where}: {error.strerror}", file=sys.stderr)
            return 2
        print(f"Serving {args.articles} articles at {url}/ (Ctrl-C stops it)", flush=True)
        stopped.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
