"""The web archive: every response the crawl receives, kept with its request as WARC
records (ISO 28500, which warcio, FastWARC, pywb and every archive tool read), and the
crawl replayed from them with the site gone.

FastWARC writes and reads them: on this machine it wrote a page 1.6 to 5.8 times faster
than warcio and read it 2.5 to 5 times faster (``benchmarks/warc_libraries.py``). The
tests read the files back with warcio, the reference reader.

- :mod:`~channel9.archive.warc`: the records and the files they are written to.
- :mod:`~channel9.archive.middleware`: the downloader middleware that writes them.
- :mod:`~channel9.archive.mend`: the files a killed run left open, mended.
- :mod:`~channel9.archive.reader`: reading files that may be damaged.
- :mod:`~channel9.archive.replay`: the crawl replayed from the files.
"""
