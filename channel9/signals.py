"""The project's own signals: how the crawl tells the state and the report what went wrong,
without knowing either."""

from __future__ import annotations

page_failed = object()
"""A page the run could not use. Arguments: ``url`` (as the crawl asked for it), ``reason``
(:mod:`channel9.failures`), ``kind`` (``home``, ``listing`` or ``article``) and ``counts``
(False for a page that already failed in an earlier run: it does not fail this one)."""

item_written = object()
"""A feed wrote an item and flushed it. Argument: ``item``."""

item_exported = object()
"""Every feed of the run wrote the item: it is exported. Arguments: ``item``, ``response``."""

item_unwritten = object()
"""A feed could not write an item. Arguments: ``item``, ``error`` (the exception)."""

run_reported = object()
"""The run's report is written. Arguments: ``run_id``, ``finish_reason``, ``report``
(its path, None when it could not be written), ``problems`` (why the run failed; empty
when it did not), ``articles`` (how many it exported), ``failed`` (how many of its
pages failed), ``field_fill`` (by field, the
share of them with a value) and ``refetch`` (articles exported with a field that went
missing: to fetch again)."""

articles_named = object()
"""A source named articles (for the coverage report). Arguments: ``source`` (``listings``,
``feed`` or ``sitemap``) and ``urls`` (normal form)."""

source_unavailable = object()
"""A feed or sitemap could not be had or read: logged, the crawl goes on with the other
sources. Arguments: ``url``, ``reason``."""
