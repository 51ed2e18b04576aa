"""The least a replay of an archive can cost: its pages read in file order and parsed as
the spider parses them, without Scrapy's engine (no crawler, scheduler, middlewares,
pipelines or output).

Run by ``benchmarks/crawl.py`` beside the crawls, as ``python benchmarks/parse_only.py
ARCHIVE``: each response record unpacked (gzip by FastWARC's C readers), made the response
Scrapy would give, decoded as Scrapy decodes it (``response.text``), its HTML read by lxml,
and read as the spider reads a page of its kind (``Channel9-Kind``): the menu of the home
page, the links of a listing, the fields of an article. Prints ``parsed from N pages``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fastwarc.warc import ArchiveIterator, WarcRecordType
from scrapy.http import Headers, TextResponse
from scrapy.responsetypes import responsetypes

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channel9.archive.warc import KIND_FIELD  # noqa: E402
from channel9.crawl.responses import html_tree, is_html  # noqa: E402
from channel9.pages import parser  # noqa: E402


def main() -> None:
    pages = 0
    for path in sorted(Path(sys.argv[1]).glob("*.warc.gz")):
        with path.open("rb") as file:
            kinds = WarcRecordType.response
            for record in ArchiveIterator(file, record_types=kinds, auto_decode="all"):
                url = record.headers.get("WARC-Target-URI") or ""
                headers = Headers(list(record.http_headers.items_bytes()))
                for decoded in (b"Transfer-Encoding", b"Content-Encoding"):
                    headers.pop(decoded, None)
                body = record.reader.read()
                kind = responsetypes.from_args(headers=headers, url=url, body=body)
                response = kind(url=url, headers=headers, body=body)
                if not is_html(response):  # robots.txt
                    continue
                assert isinstance(response, TextResponse)
                page = html_tree(response)
                read = record.headers.get(KIND_FIELD)
                if read == "article":
                    whole = parser.is_whole(response.text)
                    parser.shows_fatal_error(response.text)
                    parser.parse_article(page, url, fetched_at=record.record_date, whole=whole)
                elif read == "listing":
                    parser.parse_listing(page, url)
                elif read == "home":
                    parser.parse_menu(page, url)
                pages += 1
    print(f"parsed from {pages} pages")


if __name__ == "__main__":
    main()
