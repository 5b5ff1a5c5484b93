"""The CSV import reads the documented columns and names every bad line."""
import io

from services.library import importer

CSV = """isbn,title,author,tags,copies_code_prefix,branch_name,copies
978-7-5302-1200-8,平凡的世界,路遥,小说;茅盾文学奖,PF,邻里图书馆,3
,社区安全知识读本,街道综治中心,安全|生活,,,0
,无名之书,,,,,0
,骆驼祥子,老舍,小说,LT,不存在的书屋,1
,边城,沈从文,小说,,邻里图书馆,2
"""


def test_rows_are_parsed_and_bad_lines_are_named():
    rows, problems = importer.parse(io.StringIO(CSV),
                                    lambda name: "b1" if name == "邻里图书馆" else None)
    assert [r["title"] for r in rows] == ["平凡的世界", "社区安全知识读本"]
    first = rows[0]
    assert first["tags"] == ["小说", "茅盾文学奖"] and first["copies"] == 3
    assert first["branch_id"] == "b1" and first["copies_code_prefix"] == "PF"
    assert rows[1]["tags"] == ["安全", "生活"] and rows[1]["isbn"] is None
    assert [p.split(":")[0] for p in problems] == ["line 4", "line 5", "line 6"]


def test_a_file_without_the_title_column_is_refused():
    rows, problems = importer.parse(io.StringIO("isbn,name\n1,x\n"), lambda name: None)
    assert rows == [] and "missing columns" in problems[0]
