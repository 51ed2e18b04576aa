"""Only for ``scrapyd-deploy``, which builds the Scrapyd egg with ``setup.py bdist_egg``
and writes a setup.py of its own (another name, every package) when there is none. All
of the project's metadata, its Scrapy settings entry point included, is in pyproject.toml.
"""

from setuptools import setup

setup()
