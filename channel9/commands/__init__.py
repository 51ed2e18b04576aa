"""Project commands: ``scrapy crawl`` with an honest exit status, and ``scrapy dataset``."""
