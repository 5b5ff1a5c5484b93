"""Demo data through the HTTP API: a neighbourhood library (邻里图书馆), the
community's drifting book houses (漂流书屋; the seeds' community runs 11 of them,
a few are set up here), a district-library branch where residents borrow by QR code,
a few hundred titles generated from the lists below with copies spread out, and some
loans and holds in progress."""
import random

from services.library import editions_demo
from shared.demo import expect

BRANCHES = [
    ("邻里图书馆", "library", 30),
    ("区图书馆岔河分馆", "library", 30),
    ("红领巾书屋", "book_house", 21),
    ("连心长廊漂流书屋", "book_house", 30),
    ("党群服务中心漂流书屋", "book_house", 30),
    ("文化广场漂流书屋", "book_house", 30),
    ("3号楼下漂流书屋", "book_house", 30),
]

# (title, author, tags)
CLASSICS = [
    ("平凡的世界", "路遥", ["小说", "茅盾文学奖"]), ("人生", "路遥", ["小说"]),
    ("活着", "余华", ["小说"]), ("许三观卖血记", "余华", ["小说"]),
    ("围城", "钱钟书", ["小说", "经典"]), ("边城", "沈从文", ["小说", "经典"]),
    ("骆驼祥子", "老舍", ["小说", "经典"]), ("四世同堂", "老舍", ["小说", "经典"]),
    ("茶馆", "老舍", ["戏剧"]), ("雷雨", "曹禺", ["戏剧"]),
    ("呐喊", "鲁迅", ["小说", "经典"]), ("朝花夕拾", "鲁迅", ["散文", "经典"]),
    ("红楼梦", "曹雪芹", ["古典", "名著"]), ("西游记", "吴承恩", ["古典", "名著"]),
    ("三国演义", "罗贯中", ["古典", "名著"]), ("水浒传", "施耐庵", ["古典", "名著"]),
    ("城南旧事", "林海音", ["小说", "童年"]), ("白鹿原", "陈忠实", ["小说", "茅盾文学奖"]),
    ("尘埃落定", "阿来", ["小说", "茅盾文学奖"]), ("长恨歌", "王安忆", ["小说"]),
    ("繁花", "金宇澄", ["小说", "上海"]), ("人世间", "梁晓声", ["小说", "茅盾文学奖"]),
    ("额尔古纳河右岸", "迟子建", ["小说"]), ("穆斯林的葬礼", "霍达", ["小说"]),
    ("三体", "刘慈欣", ["科幻"]), ("三体Ⅱ·黑暗森林", "刘慈欣", ["科幻"]),
    ("三体Ⅲ·死神永生", "刘慈欣", ["科幻"]), ("流浪地球", "刘慈欣", ["科幻", "短篇"]),
    ("草房子", "曹文轩", ["儿童文学"]), ("青铜葵花", "曹文轩", ["儿童文学"]),
    ("窗边的小豆豆", "黑柳彻子", ["儿童文学"]), ("小王子", "圣埃克苏佩里", ["童话"]),
    ("安徒生童话", "安徒生", ["童话"]), ("格林童话", "格林兄弟", ["童话"]),
    ("稻草人", "叶圣陶", ["童话"]), ("皮皮鲁传", "郑渊洁", ["儿童文学"]),
    ("文化苦旅", "余秋雨", ["散文"]), ("我与地坛", "史铁生", ["散文"]),
    ("目送", "龙应台", ["散文"]), ("撒哈拉的故事", "三毛", ["散文"]),
    ("人间草木", "汪曾祺", ["散文"]), ("浮生六记", "沈复", ["古典", "散文"]),
    ("唐诗三百首", "蘅塘退士", ["诗词"]), ("宋词三百首", "上彊村民", ["诗词"]),
    ("乡土中国", "费孝通", ["社会学"]), ("万历十五年", "黄仁宇", ["历史"]),
    ("明朝那些事儿", "当年明月", ["历史"]), ("中国通史", "吕思勉", ["历史"]),
    ("人类简史", "尤瓦尔·赫拉利", ["历史"]), ("百年孤独", "加西亚·马尔克斯", ["小说", "外国文学"]),
    ("追风筝的人", "卡勒德·胡赛尼", ["小说", "外国文学"]), ("解忧杂货店", "东野圭吾", ["小说"]),
    ("老人与海", "海明威", ["小说", "外国文学"]), ("钢铁是怎样炼成的", "奥斯特洛夫斯基", ["小说"]),
    ("傅雷家书", "傅雷", ["书信", "家庭教育"]), ("正面管教", "简·尼尔森", ["家庭教育"]),
    ("好妈妈胜过好老师", "尹建莉", ["家庭教育"]), ("不生病的智慧", "马悦凌", ["健康"]),
    ("黄帝内经", "佚名", ["中医", "健康"]), ("本草纲目", "李时珍", ["中医"]),
    ("论语", "孔子弟子", ["国学"]), ("孟子", "孟子", ["国学"]), ("道德经", "老子", ["国学"]),
    ("史记", "司马迁", ["历史", "国学"]), ("资治通鉴", "司马光", ["历史"]),
]
ENGLISH = [
    ("The Little Prince", "Antoine de Saint-Exupéry", ["children", "fable"]),
    ("Charlotte's Web", "E. B. White", ["children"]),
    ("Harry Potter and the Philosopher's Stone", "J. K. Rowling", ["children", "fantasy"]),
    ("The Old Man and the Sea", "Ernest Hemingway", ["novel", "classic"]),
    ("Pride and Prejudice", "Jane Austen", ["novel", "classic"]),
    ("To Kill a Mockingbird", "Harper Lee", ["novel", "classic"]),
    ("The Three-Body Problem", "Liu Cixin", ["science fiction"]),
    ("Animal Farm", "George Orwell", ["novel", "classic"]),
    ("A Brief History of Time", "Stephen Hawking", ["science"]),
    ("Sapiens", "Yuval Noah Harari", ["history"]),
    ("The Very Hungry Caterpillar", "Eric Carle", ["children", "picture book"]),
    ("Goodnight Moon", "Margaret Wise Brown", ["children", "picture book"]),
    ("English Grammar in Use", "Raymond Murphy", ["language", "study"]),
    ("Oxford Picture Dictionary", "Jayme Adelson-Goldstein", ["language", "study"]),
    ("Rickshaw Boy", "Lao She", ["novel", "translation"]),
    ("To Live", "Yu Hua", ["novel", "translation"]),
]
# Practical books a community library stocks, generated as series: (stem, volumes, author, tags)
SERIES = [
    ("家常菜{n}例", [100, 200, 300, 500], "社区厨房编写组", ["烹饪", "生活"]),
    ("老年人健康生活手册（第{n}册）", range(1, 9), "社区卫生服务中心", ["健康", "老年"]),
    ("智能手机使用入门（第{n}版）", range(1, 5), "银龄数字课堂", ["老年", "数字生活"]),
    ("中国历代名画欣赏·第{n}辑", range(1, 11), "美术出版社编辑部", ["艺术"]),
    ("少儿百科全书·卷{n}", range(1, 21), "少儿百科编委会", ["儿童", "科普"]),
    ("十万个为什么·{n}", ["天文", "地理", "动物", "植物", "人体", "物理", "化学", "交通", "建筑", "环境"],
     "少年儿童出版社", ["儿童", "科普"]),
    ("书法入门·{n}", ["楷书", "行书", "隶书", "篆书", "草书"], "书法家协会", ["书法", "艺术"]),
    ("{n}太极拳图解", ["二十四式", "四十二式", "陈式", "杨式", "孙式"], "全民健身指导站", ["健身", "老年"]),
    ("中国民间故事·{n}", ["北京", "山东", "河南", "四川", "广东", "浙江", "江苏", "陕西", "云南", "福建"],
     "民间文艺家协会", ["民间故事", "儿童"]),
    ("社区安全知识读本（{n}）", ["防诈骗", "消防", "用电", "燃气", "交通", "防溺水"], "街道综治中心", ["安全", "生活"]),
    ("绘本·{n}", ["小熊的生日", "月亮的味道", "猜猜我有多爱你", "好饿的小蛇", "我爸爸", "我妈妈",
                 "大卫不可以", "小蓝和小黄", "母鸡萝丝去散步", "爷爷一定有办法", "团圆", "安的种子",
                 "一园青菜成了精", "小老鼠的漫长一夜", "彩虹色的花"], "绘本馆选编", ["绘本", "儿童"]),
    ("{n}家庭养花", ["阳台", "室内", "多肉", "兰花", "月季", "水培"], "园艺爱好者协会", ["园艺", "生活"]),
    ("Graded Reader Level {n}", range(1, 13), "Community English Corner", ["english", "study"]),
    ("中医养生{n}讲", [10, 20, 30, 50], "中医药文化馆", ["中医", "健康"]),
    ("中国地理·{n}", ["北京", "天津", "河北", "山西", "山东", "河南", "湖北", "湖南", "四川", "贵州",
                    "云南", "西藏", "新疆", "甘肃", "青海", "内蒙古", "黑龙江", "吉林", "辽宁", "广西"],
     "地理知识编辑部", ["地理", "科普"]),
    ("围棋入门第{n}课", range(1, 13), "社区棋社", ["围棋", "兴趣"]),
    ("唐宋八大家文选·{n}", ["韩愈", "柳宗元", "欧阳修", "苏洵", "苏轼", "苏辙", "王安石", "曾巩"],
     "古籍出版社", ["古典", "散文"]),
    ("家庭急救{n}", ["100问", "图解", "口袋书", "视频教程", "儿童篇", "老人篇"], "红十字会", ["健康", "安全"]),
    ("Oxford Reading Tree Stage {n}", range(1, 21), "Roderick Hunt", ["english", "children"]),
    ("二十四节气·{n}", ["立春", "雨水", "惊蛰", "春分", "清明", "谷雨", "立夏", "小满", "芒种", "夏至",
                     "小暑", "大暑", "立秋", "处暑", "白露", "秋分", "寒露", "霜降", "立冬", "小雪"],
     "民俗文化编辑部", ["民俗", "儿童"]),
]


def titles() -> list[tuple[str, str, list[str]]]:
    """The demo collection: real classics and series volumes, a few hundred in all."""
    out = list(CLASSICS) + list(ENGLISH)
    for stem, volumes, author, tags in SERIES:
        out.extend((stem.format(n=n), author, tags) for n in volumes)
    return out



def load(api, community_id, staff_token, resident_tokens: list[str]) -> None:
    rng = random.Random(20240904)
    branches = [expect(api.post("/library/branches", {
        "name": name, "community_id": community_id, "kind": kind, "loan_period_days": days},
        staff_token)) for name, kind, days in BRANCHES]
    rows = []
    for n, (title, author, tags) in enumerate(titles()):
        branch = branches[0] if n % 3 == 0 else rng.choice(branches)
        rows.append({"title": title, "author": author, "tags": tags,
                     "copies_code_prefix": f"LL{n:04d}", "branch_id": branch["id"],
                     "copies": rng.choice([1, 1, 1, 2, 2, 3])})
    expect(api.post("/library/imports", {"rows": rows}, staff_token))
    # a few copies of the classics also sit in the book houses, so books float
    for n in range(0, len(CLASSICS), 4):
        found = expect(api.get(f"/library/titles?q={CLASSICS[n][0]}&limit=1", staff_token))["items"]
        if found:
            house = rng.choice(branches[2:])
            api.post("/library/copies", {"title_id": found[0]["id"], "code": f"BH{n:04d}-1",
                                         "branch_id": house["id"]}, staff_token)
    editions_demo.load(api, branches, staff_token)
    if not resident_tokens:
        return
    # circulation in progress: each reader borrows a couple of books, the first waits
    # for the most popular title
    for r, token in enumerate(resident_tokens):
        for n in (r * 7 + 1, r * 7 + 4):
            code = f"LL{n:04d}-001"
            copy = api.get(f"/library/copies/{code}", token)
            if copy.status_code == 200 and copy.json()["status"] == "available":
                api.post("/library/loans", {"code": code, "branch_id": copy.json()["branch_id"]},
                         token)
    hot = expect(api.get("/library/titles?q=平凡的世界&limit=1", staff_token))["items"]
    if hot and len(resident_tokens) > 1:
        first = api.get("/library/copies/LL0000-001", resident_tokens[0])
        if first.status_code == 200 and first.json()["status"] == "available":
            api.post("/library/loans", {"code": "LL0000-001", "branch_id": branches[0]["id"]},
                     resident_tokens[0])
        for token in resident_tokens[1:3]:
            api.post("/library/holds", {"title_id": hot[0]["id"],
                                        "pickup_branch_id": branches[0]["id"]}, token)
