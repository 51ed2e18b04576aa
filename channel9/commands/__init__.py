"""Project commands: ``scrapy crawl`` with an honest exit status and its verdict as the
last line of its log, ``scrapy dataset`` and ``scrapy runs``."""
