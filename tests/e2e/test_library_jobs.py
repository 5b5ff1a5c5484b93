"""The library's sweeps through the real gateway, with batches of 3 so that a handful
of loans outnumbers one batch: every loan that needs marking is reached in one run,
and a staff member's run reaches their community's loans whatever other communities
have waiting."""
import datetime as dt

import pytest

from shared import clock
from tests.e2e.test_library import L, Site

BATCH = 3


@pytest.fixture(scope="module")
def small_batches(stack):
    """The library service restarted with sweeps of ``BATCH`` items a batch."""
    stack.stop("library")
    stack.start_service("library", LINLI_LIBRARY_SWEEP_BATCH=str(BATCH))
    stack.wait_ready()
    yield
    stack.stop("library")
    stack.start_service("library")
    stack.wait_ready()


def _overdue_day(loan):
    due = dt.date.fromisoformat(loan["due_date"])
    return dt.datetime.combine(due + dt.timedelta(days=1), dt.time(10), clock.community_tz())


def _lend(site, reader, branch, n, name):
    loans = []
    for i in range(n):
        copy = site.copy(site.title(f"{name}{i}", "编写组"), branch)
        answer = site.borrow(reader, copy, branch)
        assert answer.status_code == 201, answer.text
        loans.append(answer.json())
    return loans


def test_new_overdue_loans_are_marked_however_many_stay_unreturned(api, small_batches):
    elsewhere = Site(api)   # another community's overdue loans come first in the index
    _lend(elsewhere, elsewhere.reader(), elsewhere.branch("短期书屋", "book_house",
                                                        loan_period_days=14), 4, "别处")
    site = Site(api)
    short = site.branch("短期借阅点", "book_house", loan_period_days=14)
    first_reader, second_reader = site.reader("甲"), site.reader("乙")
    early = _lend(site, first_reader, short, 4, "早还书")            # more than one batch
    late = _lend(site, second_reader, site.house_a, 1, "晚还书")[0]  # due 16 days later

    assert site.job("library-overdue", _overdue_day(early[0])) == 4
    assert site.job("library-overdue", _overdue_day(early[0])) == 0
    # the four stay unreturned; the later loan falls due and is still marked
    assert site.job("library-overdue", _overdue_day(late)) == 5      # 4 notices + 1 new
    assert site.job("library-overdue", _overdue_day(late)) == 0
    mine = api.get(f"{L}/loans", second_reader["token"]).json()["items"]
    assert [m["status"] for m in mine] == ["overdue"]
    statuses = {m["status"] for m in api.get(f"{L}/loans", first_reader["token"]).json()["items"]}
    assert statuses == {"overdue"}


def test_a_staff_run_of_due_soon_reaches_its_community_past_other_communities(api, small_batches):
    elsewhere = Site(api)
    _lend(elsewhere, elsewhere.reader(), elsewhere.house_a, 4, "别处提醒")
    site = Site(api)
    loans = _lend(site, site.reader(), site.house_a, 4, "提醒")
    due = dt.date.fromisoformat(loans[0]["due_date"])
    at = dt.datetime.combine(due - dt.timedelta(days=2), dt.time(10), clock.community_tz())
    assert site.job("library-due-soon", at) == 4
    assert site.job("library-due-soon", at) == 0
