"""Bench scenarios of the library service (run by tests/load/bench.py):
checkout+return cycles through the gateway, and catalogue search over 10,000 titles."""
import itertools
import queue
import random
import uuid

from services.library import demo

L = "/api/v1/library"
SEARCH_TITLES = 10_000
READERS = 64  # one seat per bench thread (the mixed mode runs 64)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
WORDS = ["春天", "故乡", "河流", "城市", "星空", "少年", "记忆", "山村", "海洋", "花园", "远方",
         "时光", "家园", "灯火", "书信", "秋天", "北方", "江南", "草原", "森林", "小镇", "老街"]
KINDS = ["的故事", "笔记", "往事", "手记", "之歌", "纪事", "传", "散记", "漫谈", "随笔"]
TAGS = ["小说", "散文", "历史", "科普", "儿童", "健康", "诗词", "艺术", "生活", "地理"]
QUERIES = ["故乡", "星空 笔记", "江南", "王", "科普", "少年 往事", "to liv", "三体", "graded",
           "春天的故事", "时光 随笔", "家园"]


def _search_rows(branch_id, count):
    rng = random.Random(7)
    rows = []
    for n in range(count):
        base = demo.titles()[n % len(demo.titles())]
        if n % 3 == 0:
            title, author, tags = base[0] + f"（第{n // len(demo.titles()) + 1}版）", base[1], base[2]
        else:
            title = rng.choice(WORDS) + rng.choice(WORDS) + rng.choice(KINDS)
            author = rng.choice(SURNAMES) + rng.choice("明华伟芳静磊洋勇军杰娟敏")
            tags = rng.sample(TAGS, 2)
        rows.append({"title": title, "author": author, "tags": tags,
                     "copies_code_prefix": f"S{n:05d}", "branch_id": branch_id,
                     "copies": 1 if n % 5 == 0 else 0})
    return rows


def scenarios(env) -> dict:
    api = env.api
    community = api.community()
    staff = api.staff(community["id"])["token"]

    def branch(name, kind):
        answer = api.post(f"{L}/branches", {"name": name, "community_id": community["id"],
                                            "kind": kind}, staff)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    library, house_a, house_b = (branch("邻里图书馆", "library"),
                                 branch("漂流书屋A", "book_house"), branch("漂流书屋B", "book_house"))

    # checkout+return: each bench thread has its own reader and its own copy
    title = api.post(f"{L}/titles", {"title": "平凡的世界", "author": "路遥", "tags": ["小说"]},
                     staff).json()
    run = uuid.uuid4().hex[:6]
    seats = []
    for n in range(READERS):
        code = f"BENCH-{run}-{n:03d}"
        assert api.post(f"{L}/copies", {"title_id": title["id"], "code": code,
                                        "branch_id": house_a}, staff).status_code == 201
        seats.append((api.resident(community["id"], name=f"读者{n}")["token"], code))
    free_seats = queue.Queue()
    for seat in seats:
        free_seats.put(seat)

    def checkout_return(i):
        """Scan a copy at book house A or B, then return it at the other: two calls.
        Each call borrows a (reader, copy) seat and gives it back, so any number of
        threads, in any number of rounds, never share one."""
        seat = free_seats.get(timeout=60)
        try:
            return _cycle(i, *seat)
        finally:
            free_seats.put(seat)

    def _cycle(i, token, code):
        here, there = (house_a, house_b) if i % 2 == 0 else (house_b, house_a)
        loan = api.post(f"{L}/loans", {"code": code, "branch_id": here}, token)
        back = api.post(f"{L}/returns", {"code": code, "branch_id": there}, token)
        return loan.status_code if loan.status_code != 201 else back.status_code

    # catalogue search over 10,000 titles, seeded in ten bulk imports
    rows = _search_rows(library, SEARCH_TITLES)
    for start in range(0, len(rows), 1000):  # 2,000 a call outlived the 5 s RPC timeout once
        answer = api.post(f"{L}/imports", {"rows": rows[start:start + 1000]}, staff)
        assert answer.status_code == 201, answer.text
    queries = itertools.cycle(QUERIES)

    def catalogue_search(i):
        return api.get(f"{L}/titles", staff, params={"q": next(queries), "limit": 20}).status_code

    return {"library checkout+return cycle": checkout_return,
            "library catalogue search": catalogue_search}
