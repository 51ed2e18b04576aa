"""The project's spiders: crawling only; page parsing lives in :mod:`channel9.pages`."""
