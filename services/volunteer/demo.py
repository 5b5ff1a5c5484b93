"""Demo data through the HTTP API: teams in the spirit of the county's "好厝边"
practice teams, members, requests at every step, and a points supermarket."""
from shared.demo import expect

TEAMS = [
    ("好厝边助老服务队", ["elderly_care", "companionship", "escort"], ["1号楼", "2号楼", "3号楼"]),
    ("水电维修志愿队", ["repair", "cleaning"], ["3号楼", "5号楼", "和平里大街"]),
    ("四点半课堂辅导队", ["tutoring"], ["社区活动中心"]),
    ("邻里文化艺术队", ["companionship", "other"], ["文化广场"]),
]
REWARDS = [("大米 5kg", 100, 20), ("食用油 5L", 150, 10), ("洗衣液 2kg", 60, 30),
           ("理发券", 40, 50)]



def load(api, community_id, staff_token, resident_tokens: list[str]) -> None:
    people = [expect(api.get("/me", token)) for token in resident_tokens]
    ids = [p["id"] for p in people]
    elder_token = resident_tokens[0]          # 王秀英, lives alone
    helpers = ids[1:] or ids                                 # the others volunteer
    teams = []
    for i, (name, skills, areas) in enumerate(TEAMS):
        team = expect(api.post("/volunteer/teams", {"name": name, "community_id": community_id,
                                                 "skills": skills, "areas": areas}, staff_token))
        for j, member in enumerate(helpers[i % len(helpers):] + helpers[:i % len(helpers)]):
            if j < 3:
                expect(api.post(f"/volunteer/teams/{team['id']}/members",
                             {"resident_id": member, "leader": j == 0}, staff_token))
        teams.append(team)
    member_token = {p["id"]: t for p, t in zip(people, resident_tokens)}

    def members_of(team):
        fresh = [t for t in expect(api.get("/volunteer/teams", staff_token)) if t["id"] == team["id"]]
        return fresh[0]["members"]

    def ask(category, description, address, urgency="normal"):
        return expect(api.post("/volunteer/requests", {
            "category": category, "description": description, "address": address,
            "urgency": urgency}, elder_token))

    def step(request, action, token, payload=None):
        return expect(api.post(f"/volunteer/requests/{request['id']}/{action}", payload or {}, token))

    care, repair = teams[0], teams[1]
    care_members, repair_members = members_of(care), members_of(repair)

    # closed: a visit to the hospital, rated, points credited to two volunteers
    done = ask("escort", "下周二上午去区医院复查，需要有人陪同", "和平里3号楼1单元")
    step(done, "dispatch", staff_token, {"team_id": care["id"], "note": "老人独居，请优先安排"})
    step(done, "accept", member_token[care_members[0]])
    step(done, "complete", member_token[care_members[0]],
         {"hours": 3, "volunteer_ids": care_members[:2]})
    step(done, "confirm", elder_token, {"rating": 5, "comment": "志愿者很耐心，谢谢！"})
    # accepted: a dripping tap
    tap = ask("repair", "厨房水龙头一直滴水，需要更换阀芯", "和平里3号楼1单元")
    step(tap, "dispatch", staff_token, {"team_id": repair["id"]})
    step(tap, "accept", member_token[repair_members[0]])
    # dispatched, urgent
    lamp = ask("repair", "楼道灯坏了，晚上看不清台阶", "和平里5号楼", urgency="urgent")
    step(lamp, "dispatch", staff_token, {"team_id": repair["id"]})
    # submitted: waiting for the community to dispatch
    ask("companionship", "想找人周末陪着聊聊天、读读报", "和平里3号楼1单元")
    ask("cleaning", "年前大扫除，擦窗户够不着", "和平里3号楼1单元")

    for name, cost, stock in REWARDS:
        expect(api.post("/points/rewards", {"name": name, "cost_points": cost, "stock": stock},
                     staff_token))
