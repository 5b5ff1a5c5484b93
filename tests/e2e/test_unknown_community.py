"""Everything created in a community is refused with 422 naming ``community_id`` when the
residents service knows no such community (``shared.rpc.require_community``), even for
an admin, who manages every community that exists."""
import datetime as dt
import uuid

import pytest

NOWHERE = uuid.uuid4().hex
LATER = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)

CREATES = [
    ("/api/v1/canteen/sites", {"name": "无处食堂"}),
    ("/api/v1/library/branches", {"name": "无处书屋", "kind": "book_house"}),
    ("/api/v1/facilities/rooms", {"name": "无处阅览室", "kind": "reading", "capacity": 10,
                                  "opening": None}),
    ("/api/v1/facilities/equipment", {"name": "无处音箱", "kind": "speaker",
                                      "code": "NOWHERE-" + NOWHERE[:6],
                                      "rules": {"max_volume_db": 65,
                                                "allowed": {"start": "08:00", "end": "20:00"}}}),
    ("/api/v1/directory/places", {"name": "无处药房", "category": "pharmacy", "address": "无",
                                  "phone": "021-5555 0000", "hours": []}),
    ("/api/v1/activities", {"title": "无处讲座", "kind": "talk", "capacity": 5, "location": "无",
                            "sessions": [{"start": LATER.isoformat(),
                                          "end": (LATER + dt.timedelta(hours=1)).isoformat()}],
                            "signup_closes_at": (LATER - dt.timedelta(days=1)).isoformat()}),
]


@pytest.mark.parametrize("path, body", CREATES, ids=[path for path, _ in CREATES])
def test_nothing_is_created_in_a_community_that_does_not_exist(api, path, body):
    answer = api.post(path, {**body, "community_id": NOWHERE}, api.admin())
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"] == {"community_id": ["unknown community"]}
