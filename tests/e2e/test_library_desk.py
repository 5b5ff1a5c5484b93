"""The lending desk's day (``GET /api/v1/library/desk``): the copies to pull and send to
a hold's pickup branch, the overdue loans to chase; staff of the community only."""
import datetime as dt

from shared import clock
from tests.e2e.test_library import L, Site


def test_the_desk_lists_copies_to_send_and_overdue_loans_with_the_reader(api):
    site = Site(api)
    novel, poems = site.title(), site.title("唐诗三百首", "蘅塘退士", ("诗歌",))
    travelling = site.copy(novel, site.house_a)
    waiting = site.reader("李娜")
    assert site.hold(waiting, novel, site.house_b).status_code == 201   # the copy is at A
    late_copy = site.copy(poems, site.library)
    late = site.reader("张建国")
    loan = site.borrow(late, late_copy, site.library).json()
    due = dt.date.fromisoformat(loan["due_date"])
    past_due = dt.datetime.combine(due + dt.timedelta(days=3), dt.time(9), clock.community_tz())
    assert site.job("library-overdue", past_due) == 1

    desk = api.get(f"{L}/desk", site.token)
    assert desk.status_code == 200, desk.text
    body = desk.json()
    assert body["holds_to_pull"] == [{
        "copy_code": travelling["code"], "title": "平凡的世界",
        "from_branch_id": site.house_a["id"], "from_branch_name": site.house_a["name"],
        "pickup_branch_id": site.house_b["id"], "pickup_branch_name": site.house_b["name"]}]
    [overdue] = body["overdue_loans"]
    assert (overdue["loan_id"], overdue["copy_code"], overdue["resident_name"],
            overdue["phone"]) == (loan["id"], late_copy["code"], "张建国", late["phone"])
    # counted from the real today (the job ran "three days past due" in the future)
    assert overdue["due_date"] == loan["due_date"] and overdue["days_overdue"] == 0

    # received at B, the copy waits on the hold shelf: nothing left to send
    received = api.post(f"{L}/transfers/receive", {"code": travelling["code"],
                                                   "branch_id": site.house_b["id"]}, site.token)
    assert received.status_code == 200, received.text
    assert api.get(f"{L}/desk", site.token).json()["holds_to_pull"] == []


def test_only_staff_of_the_community_see_its_desk(api):
    site, other = Site(api), Site(api)
    reader = site.reader()
    assert api.get(f"{L}/desk", reader["token"]).status_code == 403
    mine = api.get(f"{L}/desk?community_id={site.community['id']}", other.token)
    assert mine.status_code == 403
    admin = api.get(f"{L}/desk?community_id={site.community['id']}", api.admin())
    assert admin.status_code == 200 and admin.json()["community_id"] == site.community["id"]


def test_staff_lend_a_copy_to_a_resident_of_their_community_at_the_desk(api):
    site, other = Site(api), Site(api)
    title = site.title()
    reader, stranger = site.reader("赵敏"), other.reader("钱多")
    copy = site.copy(title, site.library)
    scan = {"code": copy["code"], "branch_id": site.library["id"]}

    assert api.post(f"{L}/loans", {**scan, "resident_id": stranger["id"]},
                    site.token).status_code == 403
    assert api.post(f"{L}/loans", {**scan, "resident_id": site.staff["id"]},
                    reader["token"]).status_code == 403      # a reader lends to nobody else
    assert api.post(f"{L}/loans", {**scan, "resident_id": "f" * 32},
                    site.token).status_code == 404
    lent = api.post(f"{L}/loans", {**scan, "resident_id": reader["id"]}, site.token)
    assert lent.status_code == 201, lent.text
    assert lent.json()["resident_id"] == reader["id"]
    mine = api.get(f"{L}/loans", reader["token"]).json()["items"]
    assert [loan["copy_code"] for loan in mine] == [copy["code"]]
