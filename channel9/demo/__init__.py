"""The demo: a fake copy of Channel9.id to crawl offline, and the command that serves it."""
