"""The jobs registry: names, intervals, the instants a run may be for."""
import dataclasses
import datetime as dt

import pytest

from shared import jobs
from shared.config import load_settings
from shared.errors import Invalid, NotFound
from shared.jobs import Run, Schedule, as_of_instant


def test_a_job_is_named_after_its_service_and_listed_once_for_the_gateway():
    schedule = Schedule("testsvc")

    @schedule.job("testsvc-sweep", every="library_sweep_seconds")
    def sweep(store, run):
        return 0

    assert schedule.named("testsvc-sweep").work is sweep
    assert jobs.JOBS["testsvc-sweep"].service == "testsvc"
    with pytest.raises(ValueError):
        schedule.job("other-sweep", every="library_sweep_seconds")
    with pytest.raises(AttributeError):
        schedule.job("testsvc-typo", every="no_such_setting")
    with pytest.raises(NotFound):
        schedule.named("testsvc-nothing")


def test_the_timer_runs_a_job_one_interval_after_the_start_then_once_an_interval(monkeypatch):
    schedule, runs = Schedule("ticks"), []

    @schedule.job("ticks-count", every="canteen_sweep_seconds")  # 60 s by default
    def count(store, run):
        runs.append(run)
        return 1

    clock = iter([100.0, 130.0, 159.95, 200.0, 215.0])
    monkeypatch.setattr(jobs.time, "monotonic", lambda: next(clock))
    for _ in range(5):
        schedule.run_due(store=None)
    # 100: the start; 159.95: an interval less the slack of a timer's tick; 215: too soon
    assert len(runs) == 1 and not runs[0].on_demand and runs[0].community_id is None


def test_one_failing_job_does_not_stop_the_others(monkeypatch):
    schedule, ran = Schedule("pair"), []

    @schedule.job("pair-broken", every="push_sweep_seconds")
    def broken(store, run):
        raise RuntimeError("boom")

    @schedule.job("pair-fine", every="push_sweep_seconds")
    def fine(store, run):
        ran.append(run.as_of)
        return 0

    clock = iter([0.0, 5.0])
    monkeypatch.setattr(jobs.time, "monotonic", lambda: next(clock))
    schedule.run_due(store=None)
    schedule.run_due(store=None)
    assert len(ran) == 1


@pytest.mark.parametrize("as_of", ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+08:00",
                                   "1999-12-31T23:59:59+00:00", "3000-01-01T00:00:00+00:00",
                                   "yesterday", 20261123, ["2026-11-23"]])
def test_an_as_of_outside_the_range_or_not_an_instant_is_refused_naming_it(as_of):
    with pytest.raises(Invalid) as refused:
        as_of_instant(as_of)
    assert "as_of" in refused.value.details


def test_no_as_of_means_now_and_a_local_time_is_read_in_the_community_zone():
    assert abs(as_of_instant(None) - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(seconds=5)
    assert as_of_instant("2026-11-30T08:00:00") == dt.datetime(2026, 11, 30, 0, 0,
                                                               tzinfo=dt.timezone.utc)


def test_production_refuses_a_run_in_the_future_but_not_in_the_past(monkeypatch):
    production = dataclasses.replace(load_settings({}), env="production")
    monkeypatch.setattr(jobs, "settings", lambda: production)
    with pytest.raises(Invalid) as refused:
        as_of_instant("2999-01-01T00:00:00+00:00")
    assert refused.value.details == {"as_of": ["not after now"]}
    assert as_of_instant("2001-01-01T00:00:00+00:00").year == 2001
    assert Run(as_of_instant(None)).community_id is None


def test_batches_read_until_a_batch_comes_back_short():
    from shared.jobs import batches
    waiting = list(range(7))

    def claim(limit):  # every item read is claimed, as a sweep's are
        taken = waiting[:limit]
        del waiting[:limit]
        return taken
    assert list(batches(claim, size=3)) == list(range(7))
    assert waiting == []
