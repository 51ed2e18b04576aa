"""What a response is, as the spider, the health check and ``scrapy extract`` tell it."""

from __future__ import annotations

from scrapy.http import Response, TextResponse


def is_html(response: Response) -> bool:
    """Whether a successful response is a page at all (not a PDF, an image...)."""
    content_type = response.headers.get(b"Content-Type") or b"html"
    return isinstance(response, TextResponse) and b"html" in content_type
