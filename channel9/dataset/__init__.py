"""The dataset side: the run files turned into one dataset, its card and its plot.

It reads files only: importing it loads neither Scrapy nor the archive's libraries, so
that ``scrapy dataset`` works wherever the files are.

- :mod:`~channel9.dataset.build`: each article once, in its latest version (JSON Lines,
  Parquet, CSV): where each one's line is, then the near-duplicates, then the rows.
- :mod:`~channel9.dataset.duplicates`: the texts' MinHash sketches and their clusters;
  :mod:`~channel9.dataset.workers` makes the sketches in worker processes.
- :mod:`~channel9.dataset.croissant`: the Croissant metadata.
- :mod:`~channel9.dataset.card`: the dataset card (Hugging Face's format) and its plot.
"""
