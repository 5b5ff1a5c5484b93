"""``GET /api/v1/console/today``: a community's day in one answer (kitchens, requests
waiting for dispatch, the lending desk), with each service's own access rule."""
import datetime as dt

from tests.e2e.test_library import Site


def test_the_day_of_a_community_comes_in_one_answer(api):
    site = Site(api)
    community = site.community["id"]
    canteen = api.post("/api/v1/canteen/sites", {"name": "长者食堂", "community_id": community},
                       site.token)
    assert canteen.status_code == 201, canteen.text
    resident = site.reader("王秀英")
    asked = api.post("/api/v1/volunteer/requests", {
        "category": "repair", "description": "楼道灯坏了", "address": "3号楼",
        "urgency": "normal"}, resident["token"])
    assert asked.status_code == 201, asked.text

    answer = api.get("/api/v1/console/today", site.token)
    assert answer.status_code == 200, answer.text
    day = answer.json()
    assert day["community_id"] == community
    assert [k["site_name"] for k in day["kitchens"]] == ["长者食堂"]
    assert [len(k["meals"]) for k in day["kitchens"]] == [3]
    assert asked.json()["id"] in [r["id"] for r in day["waiting_requests"]]
    assert day["desk"] == {"community_id": community, "holds_to_pull": [], "overdue_loans": []}

    tomorrow = (dt.date.fromisoformat(day["date"]) + dt.timedelta(days=1)).isoformat()
    assert api.get(f"/api/v1/console/today?date={tomorrow}", site.token).json()["date"] == tomorrow


def test_only_staff_of_the_community_get_its_day(api):
    site, other = Site(api), Site(api)
    assert api.get("/api/v1/console/today", site.reader()["token"]).status_code == 403
    assert api.get(f"/api/v1/console/today?community_id={site.community['id']}",
                   other.token).status_code == 403
    assert api.get("/api/v1/console/today?date=yesterday", site.token).status_code == 422
