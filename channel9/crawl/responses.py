"""What a response is, as the spider, the health check and ``scrapy extract`` tell it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.http import Response, TextResponse

from channel9.pages import parser

if TYPE_CHECKING:
    from parsel import Selector


def is_html(response: Response) -> bool:
    """Whether a successful response is a page at all (not a PDF, an image...)."""
    content_type = response.headers.get(b"Content-Type") or b"html"
    return isinstance(response, TextResponse) and b"html" in content_type


def html_tree(response: TextResponse) -> Selector:
    """The page's HTML tree (:func:`channel9.pages.parser.read_html`), read from the text
    as Scrapy decoded it: its encoding and its replacement of bytes that are not valid in
    it are the ones every page of the project is read with.

    Raises :class:`channel9.pages.parser.TooDeep` for a page nested too deep to read whole.
    """
    return parser.read_html(response.text.encode("utf-8", "replace"))
