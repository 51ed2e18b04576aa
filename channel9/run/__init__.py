"""The run's accounting: where its items go, what it did, and the verdict on it.

- :mod:`~channel9.run.output`: the line-flushing feed exporters and storage, which fail
  the run when they cannot write.
- :mod:`~channel9.run.report`: the run report, kept through the run by signals.
- :mod:`~channel9.run.checks`: the verdict's checks, one per thing a run must have done,
  and the warnings that compare a run with the runs before it.
- :mod:`~channel9.run.baseline`: what the runs before bring, as the crawl state tells it,
  and the rules the warnings compare with.
- :mod:`~channel9.run.metrics`: the run's metrics for Prometheus.
- :mod:`~channel9.run.progress`: the progress line of a long run.
"""
