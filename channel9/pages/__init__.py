"""Page parsing: what a page of the site holds, from its HTML and URL alone.

Crawling decides what to follow; this package only reads what a page says, and knows
nothing of requests, the crawl state or the run (as web-poet's page objects).

- :mod:`~channel9.pages.parser`: article, listing and menu pages read in layers (the
  site's markup, WordPress's, structured data, the general extractor), each value's
  source named.
- :mod:`~channel9.pages.selectors`: every selector, text habit and URL path of the site,
  with ordered fallbacks: a change of markup is a fix in this one file.
- :mod:`~channel9.pages.dates`: dates as Indonesian pages and WordPress print them.
- :mod:`~channel9.pages.urls`: the normal form of an article URL, and whether a link is
  on the site.
"""
