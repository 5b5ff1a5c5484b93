"""Bench scenarios of activities (run by tests/load/bench.py):

- "activities sign-up POST": every call signs a fresh resident up for a course; 64
  consecutive calls go to the same course of 32 seats (a popular course opening:
  everyone writes one activity document), so half are seated and half waitlisted: the
  conditional take on ``remaining`` or the waitlist number, the insert and the outbox
  row in one transaction.
- "activities list GET": a resident reads what is on in the community.
"""
import datetime as dt

from tests.e2e.activities_helpers import A

RESIDENTS = 64
COURSES = 80


def scenarios(env) -> dict:
    api = env.api
    community = api.community()
    staff = api.staff(community["id"])["token"]
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)

    def course(n):
        answer = api.post(A, {
            "community_id": community["id"], "title": f"压测书法班{n}", "kind": "course",
            "sessions": [{"start": (start + dt.timedelta(weeks=w)).isoformat(),
                          "end": (start + dt.timedelta(weeks=w, hours=2)).isoformat()}
                         for w in range(4)],
            "capacity": RESIDENTS // 2, "location": "活动室",
            "signup_closes_at": (start - dt.timedelta(hours=1)).isoformat()}, staff)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    courses = [course(n) for n in range(COURSES)]
    people = [api.resident(community["id"], name=f"学员{n}") for n in range(RESIDENTS + 1)]
    warm_up = people.pop()

    def sign_up(i):
        # past RESIDENTS * COURSES calls the pairs repeat and the answers are 409
        person = warm_up if i < 0 else people[i % RESIDENTS]
        activity = courses[max(i, 0) // RESIDENTS % COURSES]
        return api.post(f"{A}/{activity}/signups", {"party": [
            {"name": person["name"], "birth_date": person["birth_date"]}]},
            person["token"]).status_code

    reader = people[0]["token"]

    def browse(i):
        return api.get(A, reader, params={"limit": 20}).status_code

    return {"activities sign-up POST": sign_up, "activities list GET": browse}
