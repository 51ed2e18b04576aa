"""The site the project crawls by default.

Apart from the spider's arguments (:mod:`channel9.crawl.arguments`), which bring the crawl's
failure vocabulary along, so that the dataset's card can name the site without them."""

from __future__ import annotations

SITE = "https://channel9.id"
"""Channel9.id's home page: the spider's ``base_url`` unless given."""
