"""The run's metrics for Prometheus: written at the end of every run, failed ones too, and
read back with the client library's own parser."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from scrapy.utils.defer import deferred_f_from_coro_f

from channel9.demo.site import FakeSite, Reply, always, serve
from channel9.site import JAKARTA
from tests.conftest import crawl_in_process, last_report, run_files

FIELDS = ("title", "text", "author")


def metrics_of(path: Path) -> dict[str, float]:
    """Every sample of the file, by name and labels (``name{label=value}``)."""
    samples = {}
    for family in text_string_to_metric_families(path.read_text(encoding="utf-8")):
        for sample in family.samples:
            labels = ",".join(f"{key}={value}" for key, value in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def moment(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


@deferred_f_from_coro_f
async def test_each_run_replaces_the_file_with_its_metrics_failed_runs_too(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=12)
    metrics = tmp_path / "textfile" / "channel9.prom"
    setting = ("-s", f"CHANNEL9_METRICS_FILE={metrics}")
    with serve(site) as base_url:
        first = await crawl_in_process(tmp_path, base_url, *setting)
        after_first = metrics_of(metrics)
        report = last_report(tmp_path)
        site.overrides["/"] = always(Reply(503, b"busy"))
        failed = await crawl_in_process(tmp_path, base_url, *setting, "-s", "RETRY_TIMES=0")
        after_failed = metrics_of(metrics)

    assert (first.returncode, failed.returncode) == (0, 1)
    # The latest publication of the articles: its moment, else its day's start in Jakarta.
    items = [
        json.loads(line) for path in run_files(tmp_path) for line in path.read_text().splitlines()
    ]
    newest = max(
        moment(item["published_at"] or f"{item['published_date']}T00:00:00+07:00") for item in items
    )
    started, finished = moment(report["started_at"]), moment(report["finished_at"])
    # The report's moments are to the second (its finish rounded down), and the metrics are
    # written just after it: a second for the rounding, one for a loaded machine.
    assert after_first["channel9_run_success"] == 1
    assert after_first["channel9_run_start_timestamp_seconds"] == started
    assert 0 <= after_first["channel9_run_duration_seconds"] <= finished - started + 2
    assert finished <= after_first["channel9_last_success_timestamp_seconds"] <= finished + 2
    assert after_first["channel9_articles_new"] == 12
    assert after_first["channel9_articles_reemitted"] == 0
    assert after_first["channel9_articles_failed"] == 0
    responses = {k: v for k, v in after_first.items() if k.startswith("channel9_responses{")}
    assert sum(responses.values()) == report["requests"]  # every request had its response
    assert {f: after_first[f"channel9_field_fill_ratio{{field={f}}}"] for f in FIELDS} == {
        f: report["field_fill"][f] for f in FIELDS
    }
    assert after_first["channel9_archive_bytes"] == sum(f["bytes"] for f in report["archive"])
    assert after_first["channel9_archive_bytes"] > 0
    assert after_first["channel9_backfill_doors_known"] == report["backfill"]["doors_known"]
    assert after_first["channel9_newest_article_timestamp_seconds"] == newest
    assert after_first["channel9_newest_article_age_seconds"] == (
        after_first["channel9_last_success_timestamp_seconds"] - newest
    )
    # The failed run: its own outcome and counts, the last success and the newest article
    # carried over from the run before.
    assert after_failed["channel9_run_success"] == 0
    assert after_failed["channel9_articles_new"] == 0
    assert after_failed["channel9_responses{code=503}"] == 1
    assert (
        after_failed["channel9_last_success_timestamp_seconds"]
        == (after_first["channel9_last_success_timestamp_seconds"])
    )
    assert after_failed["channel9_newest_article_timestamp_seconds"] == newest
    assert (
        after_failed["channel9_newest_article_age_seconds"]
        > (after_first["channel9_newest_article_age_seconds"])
    )
    assert sorted(path.name for path in metrics.parent.iterdir()) == ["channel9.prom"]


@deferred_f_from_coro_f
async def test_no_metrics_file_unless_asked_and_a_first_run_that_fails_has_no_last_success(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=3)
    site.overrides["/"] = always(Reply(503, b"busy"))
    metrics = tmp_path / "channel9.prom"
    (tmp_path / "plain").mkdir()
    with serve(site) as base_url:
        plain = await crawl_in_process(tmp_path / "plain", base_url, "-s", "RETRY_TIMES=0")
        failed = await crawl_in_process(
            tmp_path, base_url, "-s", "RETRY_TIMES=0", "-s", f"CHANNEL9_METRICS_FILE={metrics}"
        )

    assert (plain.returncode, failed.returncode) == (1, 1)
    assert not list((tmp_path / "plain").rglob("*.prom"))
    written = metrics_of(metrics)
    assert written["channel9_run_success"] == 0
    assert "channel9_last_success_timestamp_seconds" not in written
    assert "channel9_newest_article_age_seconds" not in written


@deferred_f_from_coro_f
async def test_a_metrics_file_that_cannot_be_written_is_said_and_does_not_fail_the_run(
    tmp_path: Path,
) -> None:
    site = FakeSite(count=12)
    (tmp_path / "taken").write_text("a file where the folder would be")
    metrics = tmp_path / "taken" / "channel9.prom"
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, "-s", f"CHANNEL9_METRICS_FILE={metrics}")

    assert run.returncode == 0, run.log
    assert f"The metrics file {metrics} could not be written" in run.log


@deferred_f_from_coro_f
async def test_a_newest_article_dated_in_the_future_is_not_carried_over(tmp_path: Path) -> None:
    """A file an earlier version wrote may hold a date to come: the age would be negative
    for ever."""
    site = FakeSite(count=12, start=datetime(2026, 1, 5, 9, tzinfo=JAKARTA))
    metrics = tmp_path / "channel9.prom"
    metrics.write_text(
        "# HELP channel9_newest_article_timestamp_seconds When\n"
        "# TYPE channel9_newest_article_timestamp_seconds gauge\n"
        "channel9_newest_article_timestamp_seconds 4102444800.0\n"  # 2100-01-01
    )
    with serve(site) as base_url:
        run = await crawl_in_process(tmp_path, base_url, "-s", f"CHANNEL9_METRICS_FILE={metrics}")

    items = [
        json.loads(line) for path in run_files(tmp_path) for line in path.read_text().splitlines()
    ]
    newest = max(
        moment(item["published_at"] or f"{item['published_date']}T00:00:00+07:00") for item in items
    )
    assert run.returncode == 0, run.log
    assert metrics_of(metrics)["channel9_newest_article_timestamp_seconds"] == newest
