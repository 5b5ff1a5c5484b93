"""Bench scenarios of the volunteer service (run by tests/load/bench.py)."""
V = "/api/v1/volunteer/requests"
TEAM_SIZE = 8


def scenarios(env) -> dict:
    api = env.api
    community = api.community()
    staff = api.staff(community["id"])
    elder = api.resident(community["id"], birth_date="1945-03-08", name="王奶奶")
    volunteers = [api.resident(community["id"], name=f"李志愿{n}") for n in range(TEAM_SIZE)]
    team = api.post("/api/v1/volunteer/teams", {
        "name": "助老服务队", "community_id": community["id"], "skills": ["elderly_care"],
        "areas": ["3号楼"]}, staff["token"]).json()
    for volunteer in volunteers:
        added = api.post(f"/api/v1/volunteer/teams/{team['id']}/members",
                         {"resident_id": volunteer["id"]}, staff["token"])
        assert added.status_code == 201, added.text

    def full_cycle(i):
        """submit, dispatch, accept, complete, confirm: five HTTP calls (the team's
        members take turns); answers the status of the last one."""
        volunteer = volunteers[i % TEAM_SIZE]
        submitted = api.post(V, {"category": "elderly_care", "description": f"陪同买菜 #{i}",
                                 "address": "幸福里3号楼"}, elder["token"])
        if submitted.status_code != 201:
            return submitted.status_code
        path = f"{V}/{submitted.json()['id']}"
        for action, payload, token in (
                ("dispatch", {"team_id": team["id"]}, staff["token"]),
                ("accept", {}, volunteer["token"]),
                ("complete", {"hours": 1, "volunteer_ids": [volunteer["id"]]}, volunteer["token"]),
                ("confirm", {"rating": 5}, elder["token"])):
            answer = api.post(f"{path}/{action}", payload, token)
            if answer.status_code != 200:
                return answer.status_code
        return answer.status_code

    def my_points(i):
        return api.get("/api/v1/points/me", volunteers[i % TEAM_SIZE]["token"]).status_code

    return {"volunteer full cycle": full_cycle, "GET /api/v1/points/me": my_points}
