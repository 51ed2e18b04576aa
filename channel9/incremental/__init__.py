"""Incremental crawling: what earlier runs did, and what this run is to do about it.

- :mod:`~channel9.incremental.store`: the crawl state (SQLite): articles exported and to
  fetch, the coverage ledger of the doors into the site, the runs.
- :mod:`~channel9.incremental.walk`: the rules of a walk through a listing (pure).
- :mod:`~channel9.incremental.middleware`: the spider middleware that applies the ledger
  and the walk rules to what the spider yields.
- :mod:`~channel9.incremental.extension`: the crawl state kept through a run, told by
  signals.
- :mod:`~channel9.incremental.history`: the state read only, for the commands.
"""
