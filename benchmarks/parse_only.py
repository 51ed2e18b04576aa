"""The least a replay of an archive can cost: its pages read in file order and parsed,
nothing else (no Scrapy, no engine, no output).

Run by ``benchmarks/crawl.py`` beside the crawls, as ``python benchmarks/parse_only.py
ARCHIVE``: each response record unpacked (gzip by FastWARC's C readers), its HTML read by
lxml, and the fields of an article (``Channel9-Kind: article``) or the links of a listing
read by the project's parser, as the crawl reads them. Prints ``parsed from N pages``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fastwarc.warc import ArchiveIterator, WarcRecordType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channel9.archive.warc import KIND_FIELD  # noqa: E402
from channel9.pages.parser import parse_article, parse_listing, read_html  # noqa: E402


def main() -> None:
    pages = 0
    for path in sorted(Path(sys.argv[1]).glob("*.warc.gz")):
        with path.open("rb") as file:
            records = ArchiveIterator(file, record_types=WarcRecordType.response, auto_decode="all")
            for record in records:
                url = record.headers.get("WARC-Target-URI") or ""
                kind = record.headers.get(KIND_FIELD)
                page = read_html(record.reader.read())
                if kind == "article":
                    parse_article(page, url, fetched_at=record.record_date)
                elif kind in ("home", "listing"):
                    parse_listing(page, url)
                pages += 1
    print(f"parsed from {pages} pages")


if __name__ == "__main__":
    main()
