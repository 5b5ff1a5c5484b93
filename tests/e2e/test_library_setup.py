"""Setting up a collection: the CSV import command, the bulk import route, demo data."""
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from services.library import demo
from shared import devstack

L = "/api/v1/library"


class DemoApi:
    """The shape of the client ``make run`` hands to ``demo.load`` (paths under /api/v1)."""

    def __init__(self, stack):
        self.base = stack.url + "/api/v1"
        self.http = requests.Session()

    def post(self, path, json=None, token=None):
        return self.http.post(self.base + path, json=json, timeout=60,
                              headers={"Authorization": f"Bearer {token}"})

    def get(self, path, token=None):
        return self.http.get(self.base + path, timeout=60,
                             headers={"Authorization": f"Bearer {token}"})


def test_the_csv_import_command_adds_titles_and_copies_once(api, stack, tmp_path):
    community = api.community()
    staff = api.staff(community["id"])
    house = f"导入测试书屋{uuid.uuid4().hex[:6]}"
    branch = api.post(f"{L}/branches", {"name": house, "community_id": community["id"],
                                        "kind": "book_house"}, staff["token"]).json()
    tag = "导入" + uuid.uuid4().hex[:4]
    prefix = "IMP" + uuid.uuid4().hex[:6].upper()
    csv_file = tmp_path / "titles.csv"
    csv_file.write_text(
        "isbn,title,author,tags,copies_code_prefix,branch_name,copies\n"
        f",额尔古纳河右岸（{tag}）,迟子建,小说;{tag},{prefix},{house},2\n"
        f",没有的书屋的书,某人,{tag},X{prefix},不存在的书屋,1\n", encoding="utf-8")
    command = [sys.executable, "-m", "services.library.importer", str(csv_file),
               "--community-id", community["id"]]
    env = devstack.base_env(**stack.env)
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                           cwd=str(devstack.ROOT))
    assert first.returncode == 1, first.stderr          # one line refused, and said so
    assert "不存在的书屋" in first.stderr and "imported 1 titles and 2 copies" in first.stdout
    found = api.get(f"{L}/titles", staff["token"], params={"q": tag}).json()["items"]
    assert len(found) == 1 and found[0]["available"] == [
        {"branch_id": branch["id"], "branch_name": house, "kind": "book_house", "count": 2}]
    copy = api.get(f"{L}/copies/{prefix}-001", staff["token"]).json()
    assert copy["branch_id"] == branch["id"] and copy["status"] == "available"
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                           cwd=str(devstack.ROOT))
    assert "2 copies" not in again.stdout and "0 copies" in again.stdout


def test_the_bulk_import_route_is_staff_only_and_checks_branches(api):
    community = api.community()
    staff = api.staff(community["id"])
    reader = api.resident(community["id"])
    # the catalogue is district-wide, and the demo data other tests load holds 乡土中国
    rows = [{"title": f"乡土中国（{uuid.uuid4().hex[:6]}）", "author": "费孝通", "tags": ["社会学"]}]
    assert api.post(f"{L}/imports", {"rows": rows}, reader["token"]).status_code == 403
    bad = api.post(f"{L}/imports", {"rows": [{**rows[0], "branch_id": "nope", "copies": 1,
                                              "copies_code_prefix": "Z"}]}, staff["token"])
    assert bad.status_code == 422
    assert api.post(f"{L}/imports", {"rows": []}, staff["token"]).status_code == 422
    done = api.post(f"{L}/imports", {"rows": rows}, staff["token"])
    assert done.status_code == 201 and done.json() == {"titles": 1, "copies": 0}


def test_demo_data_loads_a_library_book_houses_and_a_few_hundred_titles(api, stack):
    community = api.community()
    staff = api.staff(community["id"])
    readers = [api.resident(community["id"], name=n)["token"] for n in ("王秀英", "张建国", "李娜")]
    demo.load(DemoApi(stack), community["id"], staff["token"], readers)
    branches = api.get(f"{L}/branches", staff["token"],
                       params={"community_id": community["id"]}).json()["items"]
    kinds = sorted(b["kind"] for b in branches)
    assert kinds.count("library") == 2 and kinds.count("book_house") >= 4
    assert len(demo.titles()) >= 250
    found = api.get(f"{L}/titles", readers[0], params={"q": "平凡的世界"}).json()["items"]
    assert found and found[0]["author"] == "路遥"
    assert api.get(f"{L}/loans", readers[0]).json()["items"]
    holds = api.get(f"{L}/holds", readers[1]).json()["items"]
    assert holds and holds[0]["status"] in ("ready", "waiting", "in_transit")


def test_reimporting_titles_without_isbn_adds_them_once(api):
    community = api.community()
    staff = api.staff(community["id"])
    branch = api.post(f"{L}/branches", {"name": "志书屋", "community_id": community["id"],
                                        "kind": "book_house"}, staff["token"]).json()
    tag = "志" + uuid.uuid4().hex[:6]
    prefix = "RE" + uuid.uuid4().hex[:6].upper()
    rows = [{"title": f"社区志 第{n}卷", "author": "街道办", "tags": [tag], "copies": 1,
             "branch_id": branch["id"], "copies_code_prefix": f"{prefix}{n}"} for n in range(3)]
    first = api.post(f"{L}/imports", {"rows": rows}, staff["token"])
    assert first.status_code == 201 and first.json() == {"titles": 3, "copies": 3}
    # the same rows again, one retyped with other spacing and case: nothing new
    rows[0] = {**rows[0], "title": "社区志  第0卷 "}
    again = api.post(f"{L}/imports", {"rows": rows}, staff["token"])
    assert again.status_code == 201 and again.json() == {"titles": 0, "copies": 0}
    found = api.get(f"{L}/titles", staff["token"], params={"q": tag, "limit": 50}).json()["items"]
    assert len(found) == 3 and all(t["copies_total"] == 1 for t in found)


def test_two_imports_of_one_file_at_once_add_each_title_once(api, stack):
    community = api.community()
    staff = api.staff(community["id"])
    tag = "并发" + uuid.uuid4().hex[:6]
    rows = [{"title": f"邻里故事集{n}", "author": "居民合著", "tags": [tag]} for n in range(20)]

    def run_import(_):
        with requests.Session() as http:
            return http.post(stack.url + f"{L}/imports", json={"rows": rows}, timeout=120,
                             headers={"Authorization": f"Bearer {staff['token']}"})

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(run_import, range(2)))
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    assert sum(a.json()["titles"] for a in answers) == 20
    found = api.get(f"{L}/titles", staff["token"], params={"q": tag, "limit": 50}).json()["items"]
    assert len(found) == 20
