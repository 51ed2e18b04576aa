"""The project's own signals, by which the parts of a crawl tell one another what happened.

The spider tells the crawl state and the run report what it met, and the crawl state tells
the report what earlier runs did, without importing one another. Signals are not all they
share: the crawl state hands the spider its backlog as it opens (as Scrapy's
``SpiderState`` hands it ``state``), the state and the report read the spider's ``run_id``
and ``args``, and the report reads the ``field_sources`` the spider leaves in an article's
response meta.
"""

from __future__ import annotations

page_failed = object()
"""A page the run could not use. Arguments: ``url`` (as the crawl asked for it), ``reason``
(:mod:`channel9.reasons`), ``kind`` (``home``, ``listing``, ``source`` or ``article``),
``counts`` (False for a page that already failed in an earlier run: it does not fail this
one), ``tries`` (how many times the site was asked for it) and ``door`` (the door a listing
page belongs to, else empty)."""

item_written = object()
"""A feed wrote an item and flushed it. Argument: ``item``."""

item_exported = object()
"""Every feed of the run wrote the item: it is exported. Arguments: ``item``, ``response``."""

item_unwritten = object()
"""A feed could not write an item. Arguments: ``item``, ``error`` (the exception)."""

run_reported = object()
"""The run's report is written. Arguments: ``run_id``, ``finish_reason``, ``report``
(its path, None when it could not be written), ``problems`` (why the run failed; empty
when it did not), ``written`` (how many articles it wrote, the re-emitted ones
included), ``failed`` (how many of its pages failed), ``field_fill`` (by field, the
share of them with a value), ``refetch`` (articles written with a field that went
missing: to fetch again) and ``warnings`` (what the run warns of without failing)."""

articles_named = object()
"""A source named articles (for the coverage report). Arguments: ``source`` (``listings``,
``feed`` or ``sitemap``) and ``urls`` (normal form)."""

source_unavailable = object()
"""A feed or sitemap could not be had or read: logged, the crawl goes on with the other
sources. Arguments: ``url``, ``reason``, ``door`` (its name in the coverage ledger)."""

door_read = object()
"""A feed or sitemap was read whole, every article it names recorded. Argument: ``door``."""

sitemaps_read = object()
"""Every sitemap this run asked for is read (or lost). Argument: ``dated`` (whether they
gave a ``<lastmod>`` for every article, none lost)."""

walk_stopped = object()
"""A walk through a listing stopped. Arguments: ``door``, ``page`` (the last it read) and
``stop`` (why: :class:`channel9.incremental.walk.Stop`)."""

page_skipped = object()
"""A page fetched right that this run writes nothing for. Arguments: ``url`` (as the crawl
asked for it), ``reason`` (``static_page``, ``before_since``, ``other_category``),
``published_date`` and ``categories`` (what the article page showed, for the last two)."""

history_read = object()
"""The crawl state was opened. Arguments: ``first_run`` (nothing exported before),
``field_fill`` (by field, the share of articles with a value in the last healthy run, or
None) and ``history`` (:class:`channel9.run.history.History`: what the runs before
bring, for the checks that compare a run with them)."""
