"""Library circulation through the real gateway: self-checkout at any book house,
return anywhere, holds passing along, renewals, overdue blocking, bad input."""
import datetime as dt
import uuid

import pytest

from shared import clock

L = "/api/v1/library"


class Site:
    """A community with staff, a neighbourhood library and two book houses."""

    def __init__(self, api):
        self.api = api
        self.community = api.community()
        self.staff = api.staff(self.community["id"])
        self.token = self.staff["token"]
        self.library = self.branch("邻里图书馆", "library")
        self.house_a = self.branch("岔河社区漂流书屋1号", "book_house")
        self.house_b = self.branch("岔河社区漂流书屋2号", "book_house")

    def branch(self, name, kind, **extra):
        answer = self.api.post(f"{L}/branches", {"name": name, "community_id": self.community["id"],
                                                 "kind": kind, **extra}, self.token)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def title(self, title="平凡的世界", author="路遥", tags=("小说", "茅盾文学奖")):
        answer = self.api.post(f"{L}/titles", {"title": title, "author": author,
                                               "tags": list(tags)}, self.token)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def copy(self, title, branch):
        code = "LL-" + uuid.uuid4().hex[:10].upper()
        answer = self.api.post(f"{L}/copies", {"title_id": title["id"], "code": code,
                                               "branch_id": branch["id"]}, self.token)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def reader(self, name="王芳"):
        return self.api.resident(self.community["id"], name=name)

    def borrow(self, reader, copy, branch):
        return self.api.post(f"{L}/loans", {"code": copy["code"], "branch_id": branch["id"]},
                             reader["token"])

    def give_back(self, token, copy, branch):
        return self.api.post(f"{L}/returns", {"code": copy["code"], "branch_id": branch["id"]},
                             token)

    def hold(self, reader, title, branch):
        return self.api.post(f"{L}/holds", {"title_id": title["id"],
                                            "pickup_branch_id": branch["id"]}, reader["token"])

    def job(self, name, as_of):
        answer = self.api.post(f"/api/v1/admin/jobs/{name}", {"as_of": as_of.isoformat()},
                               self.token)
        assert answer.status_code == 200, answer.text
        return answer.json()["processed"]

    def copy_now(self, copy):
        answer = self.api.get(f"{L}/copies/{copy['code']}", self.token)
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def site(api):
    return Site(api)


def test_borrow_at_book_house_a_return_at_b_and_the_copy_lives_at_b(site, api):
    title = site.title()
    copy = site.copy(title, site.house_a)
    reader = site.reader()
    loan = site.borrow(reader, copy, site.house_a)
    assert loan.status_code == 201, loan.text
    body = loan.json()
    today = clock.today_local()
    assert body["status"] == "active" and body["copy_code"] == copy["code"]
    assert body["due_date"] in {(today + dt.timedelta(days=d)).isoformat() for d in (30, 31)}
    assert site.copy_now(copy)["status"] == "on_loan"

    again = site.borrow(site.reader("李四"), copy, site.house_a)
    assert again.status_code == 409 and again.json()["error"]["code"] == "copy_unavailable"

    back = site.give_back(reader["token"], copy, site.house_b)
    assert back.status_code == 200, back.text
    assert back.json()["loan"]["status"] == "returned"
    assert back.json()["copy"] == {**back.json()["copy"], "branch_id": site.house_b["id"],
                                   "status": "available"}
    assert site.copy_now(copy)["branch_id"] == site.house_b["id"]

    twice = site.give_back(reader["token"], copy, site.house_b)
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "not_on_loan"

    mine = api.get(f"{L}/loans", reader["token"]).json()["items"]
    assert [m["status"] for m in mine] == ["returned"]
    staff_view = api.get(f"{L}/loans?resident_id={reader['id']}", site.token)
    assert staff_view.status_code == 200 and len(staff_view.json()["items"]) == 1


def test_catalogue_search_finds_by_title_author_and_tag_with_availability(site, api):
    tag = "专题" + uuid.uuid4().hex[:4]
    book = site.title("活着 To Live " + tag, "余华", ["小说", tag])
    site.copy(book, site.house_a)
    site.copy(book, site.house_a)
    site.copy(book, site.library)
    for q in (tag, "余华 " + tag, "to liv " + tag):
        answer = api.get(f"{L}/titles", site.token, params={"q": q})
        assert answer.status_code == 200, answer.text
        items = answer.json()["items"]
        assert [i["id"] for i in items] == [book["id"]], q
    found = items[0]
    counts = {a["branch_id"]: a["count"] for a in found["available"]}
    assert counts == {site.house_a["id"]: 2, site.library["id"]: 1}
    assert found["available_total"] == 3
    none = api.get(f"{L}/titles", site.token, params={"q": "三国 " + tag}).json()["items"]
    assert none == []


def test_a_hold_queue_of_three_passes_along_as_holds_expire(site, api):
    title = site.title("三体", "刘慈欣", ["科幻"])
    copy = site.copy(title, site.house_a)
    first_reader = site.reader("赵一")
    assert site.borrow(first_reader, copy, site.house_a).status_code == 201
    queue = [site.reader(n) for n in ("钱二", "孙三", "周四")]
    positions = []
    for reader in queue:
        answer = site.hold(reader, title, site.library)
        assert answer.status_code == 201, answer.text
        positions.append(answer.json()["position"])
        assert answer.json()["status"] == "waiting"
    assert positions == [1, 2, 3]
    assert site.hold(queue[0], title, site.library).json()["error"]["code"] == "already_held"

    # returned at a book house: in transit to the pickup branch, then received there
    back = site.give_back(first_reader["token"], copy, site.house_b)
    assert back.json()["copy"]["status"] == "in_transit"
    received = api.post(f"{L}/transfers/receive", {"code": copy["code"],
                                                   "branch_id": site.library["id"]}, site.token)
    assert received.status_code == 200 and received.json()["status"] == "hold_ready"

    def holds_of(reader):
        return {h["title_id"]: h for h in api.get(f"{L}/holds", reader["token"]).json()["items"]}

    assert holds_of(queue[0])[title["id"]]["status"] == "ready"
    assert holds_of(queue[2])[title["id"]]["position"] == 2
    # someone else cannot take the copy held for the first in line
    stolen = site.borrow(site.reader("吴五"), copy, site.library)
    assert stolen.status_code == 409 and stolen.json()["error"]["code"] == "copy_held"

    at = clock.now() + dt.timedelta(days=3, minutes=1)
    assert site.job("library-hold-expiry", at) == 1
    assert site.job("library-hold-expiry", at) == 0
    assert holds_of(queue[0])[title["id"]]["status"] == "expired"
    assert holds_of(queue[1])[title["id"]]["status"] == "ready"
    assert holds_of(queue[2])[title["id"]]["position"] == 1

    at = at + dt.timedelta(days=3, minutes=1)
    assert site.job("library-hold-expiry", at) == 1
    assert holds_of(queue[1])[title["id"]]["status"] == "expired"
    assert holds_of(queue[2])[title["id"]]["status"] == "ready"
    loan = site.borrow(queue[2], copy, site.library)
    assert loan.status_code == 201, loan.text
    assert holds_of(queue[2])[title["id"]]["status"] == "collected"


def test_renewal_from_the_due_date_at_most_twice_and_not_when_someone_waits(site, api):
    title = site.title("红楼梦", "曹雪芹", ["古典"])
    copy = site.copy(title, site.house_a)
    reader = site.reader()
    loan = site.borrow(reader, copy, site.house_a).json()
    other = api.post(f"{L}/loans/{loan['id']}/renew", None, site.reader("李四")["token"])
    assert other.status_code == 403
    due = dt.date.fromisoformat(loan["due_date"])
    for n in (1, 2):
        renewed = api.post(f"{L}/loans/{loan['id']}/renew", None, reader["token"])
        assert renewed.status_code == 200, renewed.text
        assert renewed.json()["due_date"] == (due + dt.timedelta(days=30 * n)).isoformat()
        assert renewed.json()["renewals"] == n
    third = api.post(f"{L}/loans/{loan['id']}/renew", None, reader["token"])
    assert third.status_code == 409 and third.json()["error"]["code"] == "renewal_limit"

    copy2 = site.copy(site.title("围城", "钱钟书"), site.house_a)
    loan2 = site.borrow(reader, copy2, site.house_a).json()
    assert site.hold(site.reader("孙三"), {"id": loan2["title_id"]}, site.house_a).status_code == 201
    refused = api.post(f"{L}/loans/{loan2['id']}/renew", None, reader["token"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "hold_waiting"


def test_an_overdue_loan_blocks_new_loans_until_it_is_back(site, api):
    reader = site.reader()
    late = site.copy(site.title("边城", "沈从文"), site.house_a)
    loan = site.borrow(reader, late, site.house_a).json()
    due = dt.date.fromisoformat(loan["due_date"])
    at = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(10), clock.community_tz())
    assert site.job("library-overdue", at) == 1
    assert site.job("library-overdue", at) == 0
    assert site.job("library-overdue", at + dt.timedelta(days=1)) == 1   # one notice a day
    mine = api.get(f"{L}/loans", reader["token"]).json()["items"]
    assert mine[0]["status"] == "overdue"
    fresh = site.copy(site.title("骆驼祥子", "老舍"), site.house_a)
    blocked = site.borrow(reader, fresh, site.house_a)
    assert blocked.status_code == 409 and blocked.json()["error"]["code"] == "patron_blocked"
    renew = api.post(f"{L}/loans/{loan['id']}/renew", None, reader["token"])
    assert renew.status_code == 409 and renew.json()["error"]["code"] == "loan_overdue"
    assert site.give_back(reader["token"], late, site.house_b).status_code == 200
    assert site.borrow(reader, fresh, site.house_a).status_code == 201


def test_five_active_loans_is_the_limit(site):
    reader = site.reader()
    for n in range(5):
        copy = site.copy(site.title(f"读本{n}", "编写组"), site.house_a)
        assert site.borrow(reader, copy, site.house_a).status_code == 201
    sixth = site.copy(site.title("第六本", "编写组"), site.house_a)
    answer = site.borrow(reader, sixth, site.house_a)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "patron_blocked"
    assert site.copy_now(sixth)["status"] == "available"   # nothing half-written


def test_due_soon_reminder_two_days_ahead_once(site, api):
    reader = site.reader()
    copy = site.copy(site.title("城南旧事", "林海音"), site.house_a)
    loan = site.borrow(reader, copy, site.house_a).json()
    due = dt.date.fromisoformat(loan["due_date"])
    early = dt.datetime.combine(due - dt.timedelta(days=3), dt.time(10), clock.community_tz())
    assert site.job("library-due-soon", early) == 0
    at = early + dt.timedelta(days=1)
    assert site.job("library-due-soon", at) == 1
    assert site.job("library-due-soon", at) == 0


def test_bad_input_is_refused_in_the_contract_shape(site, api):
    reader = site.reader()
    title = site.title("朝花夕拾", "鲁迅")
    copy = site.copy(title, site.house_a)
    unknown_code = api.post(f"{L}/loans", {"code": "NO-SUCH", "branch_id": site.house_a["id"]},
                            reader["token"])
    assert unknown_code.status_code == 422 and "code" in unknown_code.json()["error"]["details"]
    unknown_branch = api.post(f"{L}/loans", {"code": copy["code"], "branch_id": "nope"},
                              reader["token"])
    assert unknown_branch.status_code == 422
    assert "branch_id" in unknown_branch.json()["error"]["details"]
    operator = api.post(f"{L}/loans", {"code": {"$gt": ""}, "branch_id": site.house_a["id"]},
                        reader["token"])
    assert operator.status_code == 422
    extra = api.post(f"{L}/holds", {"title_id": title["id"], "pickup_branch_id":
                                    site.house_a["id"], "priority": 1}, reader["token"])
    assert extra.status_code == 422
    not_on_loan = site.give_back(reader["token"], copy, site.house_a)
    assert not_on_loan.status_code == 409
    duplicate = api.post(f"{L}/copies", {"title_id": title["id"], "code": copy["code"],
                                         "branch_id": site.house_a["id"]}, site.token)
    assert duplicate.status_code == 409 and duplicate.json()["error"]["code"] == "code_taken"
    by_resident = api.post(f"{L}/titles", {"title": "x", "author": "y", "tags": []},
                           reader["token"])
    assert by_resident.status_code == 403
    bad_kind = api.post(f"{L}/branches", {"name": "x", "community_id": site.community["id"],
                                          "kind": "kiosk"}, site.token)
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json()["error"]["details"]
    assert site.borrow(reader, copy, site.house_a).status_code == 201
    on_loan_hold = site.hold(reader, title, site.house_a)
    assert on_loan_hold.status_code == 409
    assert on_loan_hold.json()["error"]["code"] == "already_on_loan"
    someone_else = site.give_back(site.reader("李四")["token"], copy, site.house_a)
    assert someone_else.status_code == 403
    assert api.get(f"{L}/titles", None).status_code == 401
    assert api.get(f"{L}/copies/NO-SUCH", reader["token"]).status_code == 404
    assert api.post(f"{L}/loans/nope/renew", None, reader["token"]).status_code == 404
    assert api.delete(f"{L}/holds/nope", reader["token"]).status_code == 404


def test_branches_are_listed_per_community_and_documented(site, api):
    listed = api.get(f"{L}/branches", site.token,
                     params={"community_id": site.community["id"]}).json()
    assert {b["id"] for b in listed["items"]} == {
        site.library["id"], site.house_a["id"], site.house_b["id"]}
    assert all(b["loan_period_days"] == 30 for b in listed["items"])
    short = site.branch("区图书馆分馆", "library", loan_period_days=14)
    reader = site.reader()
    copy = site.copy(site.title("故乡", "鲁迅"), short)
    loan = site.borrow(reader, copy, short).json()
    today = clock.today_local()
    assert loan["due_date"] in {(today + dt.timedelta(days=d)).isoformat() for d in (14, 15)}
    other = api.staff(api.community()["id"])
    foreign = api.post(f"{L}/branches", {"name": "x", "community_id": site.community["id"],
                                         "kind": "book_house"}, other["token"])
    assert foreign.status_code == 403
    spec = api.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/library/loans", "/api/v1/library/returns", "/api/v1/library/holds",
                 "/api/v1/library/transfers/receive", "/api/v1/library/titles"):
        assert path in spec, path


def test_a_cancelled_ready_hold_passes_its_copy_to_the_next(site, api):
    title = site.title("呐喊", "鲁迅")
    copy = site.copy(title, site.house_a)
    first, second = site.reader("甲"), site.reader("乙")
    h1 = site.hold(first, title, site.house_a).json()
    assert h1["status"] == "ready"   # an available copy at the pickup branch
    h2 = site.hold(second, title, site.house_a).json()
    assert h2["position"] == 1 and h2["status"] == "waiting"
    cancelled = api.delete(f"{L}/holds/{h1['id']}", first["token"])
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert site.copy_now(copy)["status"] == "hold_ready"
    assert site.borrow(second, copy, site.house_a).status_code == 201


def test_a_return_at_the_pickup_branch_makes_the_hold_ready_at_once(site, api):
    title = site.title("额尔古纳河右岸", "迟子建")
    copy = site.copy(title, site.house_a)
    borrower, waiting = site.reader("甲"), site.reader("乙")
    assert site.borrow(borrower, copy, site.house_a).status_code == 201
    hold = site.hold(waiting, title, site.house_b).json()
    assert hold["status"] == "waiting" and hold["position"] == 1
    back = site.give_back(borrower["token"], copy, site.house_b).json()
    assert back["copy"]["status"] == "hold_ready" and back["copy"]["branch_id"] == site.house_b["id"]
    ready = api.get(f"{L}/holds", waiting["token"]).json()["items"][0]
    assert ready["status"] == "ready" and ready["copy_code"] == copy["code"]
    assert ready["expires_at"] is not None
    # the transfer of a copy that is not in transit is refused
    refused = api.post(f"{L}/transfers/receive", {"code": copy["code"],
                                                  "branch_id": site.house_a["id"]}, site.token)
    assert refused.status_code == 409


def test_a_trailing_newline_makes_a_copy_code_or_isbn_invalid(site, api):
    title = site.title("野草", "鲁迅")
    code = "LL-" + uuid.uuid4().hex[:10].upper()
    copy = api.post(f"{L}/copies", {"title_id": title["id"], "code": code + "\n",
                                    "branch_id": site.house_a["id"]}, site.token)
    assert copy.status_code == 422 and "code" in copy.json()["error"]["details"]
    isbn = api.post(f"{L}/titles", {"isbn": "9787020002207\n", "title": "野草",
                                    "author": "鲁迅"}, site.token)
    assert isbn.status_code == 422 and "isbn" in isbn.json()["error"]["details"]
    imported = api.post(f"{L}/imports", {"rows": [{"isbn": "9787020002207\n", "title": "野草",
                                                   "author": "鲁迅"}]}, site.token)
    assert imported.status_code == 422
    scan = api.post(f"{L}/loans", {"code": code + "\n", "branch_id": site.house_a["id"]},
                    site.reader()["token"])
    assert scan.status_code == 422 and "code" in scan.json()["error"]["details"]


def test_staff_cannot_pull_another_communitys_copy(site, api):
    other = Site(api)
    title = other.title("白鹿原", "陈忠实")
    theirs = other.copy(title, other.house_a)
    pulled = api.post(f"{L}/transfers/receive", {"code": theirs["code"],
                                                 "branch_id": site.library["id"]}, site.token)
    assert pulled.status_code == 403, pulled.text
    assert site.copy_now(theirs) == {**theirs, "branch_id": other.house_a["id"],
                                     "status": "available"}
    # their own staff may still move it between their own branches
    moved = api.post(f"{L}/transfers/receive", {"code": theirs["code"],
                                                "branch_id": other.library["id"]}, other.token)
    assert moved.status_code == 200 and moved.json()["branch_id"] == other.library["id"]


def test_a_copy_in_transit_from_another_community_is_received_at_the_pickup_branch(site, api):
    other = Site(api)
    title = other.title("长安的荔枝", "马伯庸")
    theirs = other.copy(title, other.house_a)
    borrower = other.reader()
    assert other.borrow(borrower, theirs, other.house_a).status_code == 201
    waiting = site.reader()
    assert site.hold(waiting, title, site.library).json()["status"] == "waiting"
    back = other.give_back(borrower["token"], theirs, other.house_b)
    assert back.json()["copy"]["status"] == "in_transit"
    received = api.post(f"{L}/transfers/receive", {"code": theirs["code"],
                                                   "branch_id": site.library["id"]}, site.token)
    assert received.status_code == 200 and received.json()["status"] == "hold_ready"


def test_self_checkout_lends_on_the_copys_own_branch_terms(site, api):
    short = site.branch("区图书馆快借点", "library", loan_period_days=7)
    copy = site.copy(site.title("一句顶一万句", "刘震云"), short)
    elsewhere = Site(api)
    long_stay = elsewhere.branch("长借书屋", "book_house", loan_period_days=90)
    loan = site.borrow(site.reader(), copy, long_stay)   # the borrower names another branch
    assert loan.status_code == 201, loan.text
    today = clock.today_local()
    assert loan.json()["due_date"] in {(today + dt.timedelta(days=d)).isoformat() for d in (7, 8)}
    assert loan.json()["branch_id"] == short["id"]
    assert loan.json()["community_id"] == site.community["id"]
    assert site.copy_now(copy)["branch_id"] == short["id"]


def test_a_reader_holds_at_most_five_titles_at_once(site, api):
    reader = site.reader()
    titles = [site.title(f"预约上限{n}", "编写组") for n in range(6)]
    holds = [site.hold(reader, t, site.library) for t in titles[:5]]
    assert [h.status_code for h in holds] == [201] * 5
    sixth = site.hold(reader, titles[5], site.library)
    assert sixth.status_code == 409 and sixth.json()["error"]["code"] == "hold_limit"
    assert api.delete(f"{L}/holds/{holds[0].json()['id']}", reader["token"]).status_code == 200
    assert site.hold(reader, titles[5], site.library).status_code == 201


def test_a_blocked_reader_cannot_place_a_hold(site, api):
    reader = site.reader()
    copy = site.copy(site.title("尘埃落定", "阿来"), site.house_a)
    loan = site.borrow(reader, copy, site.house_a).json()
    due = dt.date.fromisoformat(loan["due_date"])
    assert site.job("library-overdue", dt.datetime.combine(
        due + dt.timedelta(days=1), dt.time(10), clock.community_tz())) == 1
    wanted = site.title("秦腔", "贾平凹")
    refused = site.hold(reader, wanted, site.library)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "patron_blocked"
    assert api.get(f"{L}/holds", reader["token"]).json()["items"] == []
    assert site.give_back(reader["token"], copy, site.house_a).status_code == 200
    assert site.hold(reader, wanted, site.library).status_code == 201
