"""The run's accounting: where its items go, what it did, and the verdict on it.

- :mod:`~channel9.run.output`: the line-flushing feed exporters and storage, which fail
  the run when they cannot write.
- :mod:`~channel9.run.report`: the run report, kept through the run by signals.
- :mod:`~channel9.run.checks`: the verdict's checks, one per thing a run must have done.
- :mod:`~channel9.run.progress`: the progress line of a long run.
"""
