"""Set-up shared by the activities tests: instants from now, an activity published by
staff, a party signed up."""
import datetime as dt

from tests.e2e.volunteer_helpers import ok

A = "/api/v1/activities"


def at(**delta) -> str:
    """An ISO instant ``delta`` from now."""
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(**delta)).isoformat()


def publish(api, staff, community_id, status=201, starts_in=dt.timedelta(days=2), **fields):
    start = dt.datetime.now(dt.timezone.utc) + starts_in
    body = {"community_id": community_id, "title": "周末书法班", "kind": "course",
            "description": "毛笔字入门，笔墨纸砚由中心提供",
            "sessions": [{"start": start.isoformat(),
                          "end": (start + dt.timedelta(hours=2)).isoformat()}],
            "capacity": 10, "location": "社区活动中心二楼",
            "signup_closes_at": (start - dt.timedelta(hours=1)).isoformat(), **fields}
    return ok(api.post(A, body, staff["token"]), status)


def sign_up(api, person, activity, *others, status=201):
    party = [{"name": person.get("name") or "居民",
              "birth_date": person.get("birth_date") or "1990-05-01"}]
    party += [{"name": name, "birth_date": born} for name, born in others]
    return ok(api.post(f"{A}/{activity['id']}/signups", {"party": party}, person["token"]),
              status)


def step(api, signup, action, token, status=200):
    return ok(api.post(f"{A}/signups/{signup['id']}/{action}", {}, token), status)


def error_code(answer, status):
    assert answer.status_code == status, (answer.status_code, answer.text)
    return answer.json()["error"]["code"]
