"""Demo data through the HTTP API: the needs list a grid worker keeps after a week of
visits, calls and walk-ins (a broken stair light, a reading lamp for an elder living
alone, a schoolbag for a child), routed to the volunteers or the wish wall, and a few
wishes on the wall at every step."""
from shared.demo import expect

# residents (deploy/local/seed.py): 王秀英 (lives alone), 张建国, 李娜, 陈志强, 赵敏


def load(api, community_id, staff_token, resident_tokens: list[str]) -> None:
    people = [expect(api.get("/me", token)) for token in resident_tokens]
    if len(people) < 5:
        return
    elder, worker, mother, helper, neighbour = people[:5]
    token_of = {p["id"]: t for p, t in zip(people, resident_tokens)}

    def record(person, category, description, source, address=None):
        body = {"category": category, "description": description, "source": source}
        if address:
            body["address"] = address
        if source == "app":
            return expect(api.post("/needs", body, token_of[person["id"]]))
        return expect(api.post("/needs", {**body, "resident_id": person["id"]}, staff_token))

    def route(need, to, **extra):
        return expect(api.post(f"/needs/{need['id']}/route", {"to": to, **extra}, staff_token))

    def wish_step(wish_id, action, token, payload=None):
        return expect(api.post(f"/wishes/{wish_id}/{action}", payload or {}, token))

    # a schoolbag for a child: from a home visit to the wall, claimed, fulfilled, thanked
    bag = record(worker, "hardship", "妻子住院，家里经济紧张，孩子上三年级，旧书包带子断了还没换",
                 "visit")
    bag_wish = route(bag, "wish", title="给上三年级的孩子买一个新书包", budget_fen=8000)["ref"]["id"]
    wish_step(bag_wish, "approve", staff_token, {"points": 10})
    wish_step(bag_wish, "claim", token_of[helper["id"]])
    wish_step(bag_wish, "fulfil", token_of[helper["id"]], {"note": "买了双肩护脊书包和一盒文具，已送到家"})
    wish_step(bag_wish, "confirm", token_of[worker["id"]], {"thanks": "孩子高兴坏了，谢谢陈师傅！"})

    # a reading lamp for an elder living alone: she phoned; on the wall, waiting
    lamp = record(elder, "elderly_care", "眼睛不好，晚上看报纸费劲，想要一盏护眼台灯", "phone")
    lamp_wish = route(lamp, "wish", title="想要一盏护眼台灯", budget_fen=12000)["ref"]["id"]
    wish_step(lamp_wish, "approve", staff_token, {"points": 8})

    # a broken stair light, reported at the desk: passed to the volunteers
    light = record(neighbour, "safety", "5号楼3单元楼梯灯坏了一周，老人晚上下楼看不清台阶", "walk_in",
                   address="和平里5号楼3单元")
    try:
        route(light, "volunteer_request")
    except RuntimeError:  # no volunteer service in this deployment: stays on the list
        pass

    # still open, and one closed with a resolution
    record(mother, "childcare", "孩子放学后家里没人，想了解社区四点半课堂怎么报名", "app")
    taiji = record(neighbour, "culture", "希望社区开个太极拳班，早上在文化广场练", "app")
    expect(api.post(f"/needs/{taiji['id']}/close",
                    {"resolution": "已纳入下季度社区活动计划，报名开始时通知您"}, staff_token))

    # wishes posted straight to the wall: one open, one waiting for review
    phone_call = expect(api.post("/wishes", {
        "title": "想学用智能手机和孙子视频通话",
        "description": "孙子在外地上大学，想有人教我用微信视频，教两三次就好"},
        token_of[elder["id"]]))
    wish_step(phone_call["id"], "approve", staff_token, {"points": 5})
    expect(api.post("/wishes", {"title": "想借几本适合五岁孩子的绘本",
                                "description": "孩子喜欢恐龙和汽车的故事", "budget_fen": 0},
                    token_of[mother["id"]]))
