"""The dataset side: the run files turned into one dataset, its card and its plot.

It reads files only: importing it loads neither Scrapy nor the archive's libraries, so
that ``scrapy dataset`` works wherever the files are.

- :mod:`~channel9.dataset.build`: each article once, in its latest version, in two
  passes (JSON Lines, Parquet, CSV).
- :mod:`~channel9.dataset.card`: the dataset card (Hugging Face's format) and its plot.
"""
