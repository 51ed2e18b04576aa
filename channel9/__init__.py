"""Channel9.id as a dated, deduplicated JSON Lines dataset."""

__version__ = "0.1.0"
"""The one place of the project's version (pyproject.toml reads it): a Scrapyd egg has
no installed metadata to ask."""
