"""Catalogue search keys: Chinese bigrams and whole runs, Latin words by prefix."""
import datetime as dt

from services.library import search


def test_chinese_titles_get_characters_bigrams_and_the_whole_run():
    keys = search.keywords_for("平凡的世界", "路遥", ["小说"])
    for key in ("平凡的世界", "平凡", "凡的", "的世", "世界", "平", "路遥", "小说"):
        assert key in keys


def test_latin_words_are_lowercased_and_the_isbn_is_kept_without_dashes():
    keys = search.keywords_for("The Little Prince", "Antoine de Saint-Exupéry", ["Fable"],
                               "978-7-02-000220-7")
    assert {"the", "little", "prince", "saint", "exupéry", "fable", "9787020002207"} <= set(keys)


def test_a_chinese_query_needs_every_bigram_and_a_latin_query_matches_by_prefix():
    keys = search.keywords_for("三体 Three Body", "刘慈欣", ["科幻"])
    assert all(t.matches(keys) for t in search.terms("三体"))
    assert all(t.matches(keys) for t in search.terms("刘慈欣 thr"))
    assert not all(t.matches(keys) for t in search.terms("三国"))
    assert not all(t.matches(keys) for t in search.terms("prince"))


def test_a_chinese_term_reads_its_keys_and_a_latin_term_a_prefix_range():
    [cjk] = search.terms("世界")
    assert cjk.keys == ["世界"] and cjk.key_range() is None
    [latin] = search.terms("Pri")
    assert latin.key_range() == ("pri", "pri" + search.PREFIX_END)
    assert search.terms("") == []


def test_longer_chinese_runs_get_no_posting_of_their_own():
    keys = search.posting_keys(search.keywords_for("平凡的世界", "路遥", ["小说"], "978-7-0"))
    assert "平凡的世界" not in keys
    assert {"平凡", "世界", "平", "路遥", "小说", "97870"} <= set(keys)


def test_entries_sort_as_created_at_then_id_and_give_the_cursor_position_back():
    at = dt.datetime(2026, 3, 1, 8, 0, 0, 123456, tzinfo=dt.timezone.utc)
    earlier = search.entry(at - dt.timedelta(milliseconds=1), "ffff")
    same_time = [search.entry(at, "aaaa"), search.entry(at, "bbbb")]
    later = search.entry(dt.datetime(2026, 3, 1, 9, 0), "0000")   # naive: Mongo's UTC
    assert sorted([later, same_time[1], earlier, same_time[0]]) == [earlier, *same_time, later]
    assert search.entry_position(same_time[1]) == (at.replace(microsecond=123000), "bbbb")


def test_a_chinese_term_needs_every_bigram_and_a_latin_prefix_any_word():
    postings = {"星空": ["e3", "e2", "e1"], "空笔": ["e2"], "笔记": ["e2", "e1"],
                "little": ["e1"], "lion": ["e4"], "lamp": ["e5"]}
    [cjk] = search.terms("星空笔记")
    assert cjk.entries_in(postings) == {"e2"}
    [latin] = search.terms("li")
    assert latin.entries_in(postings) == {"e1", "e4"}
    [unknown] = search.terms("三国")
    assert unknown.entries_in(postings) == set()


def _titles(n):
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    tags = ["小说", "历史", "科普"]
    return [{"_id": f"t{i:03d}", "created_at": start + dt.timedelta(seconds=i // 2),
             "keywords": search.keywords_for(f"第{i}册", "编委会", [tags[i % 3], tags[i % 2]])}
            for i in range(n)]


def _page_through(q, titles, limit):
    postings = search.postings_of(titles)
    terms = search.terms(q)
    found = [t.entries_in(postings) for t in terms]
    seen, after = [], None
    while True:
        page, more = search.newest_page(found, limit, after)
        seen += [search.entry_position(e)[1] for e in page]
        if not more:
            return seen
        after = page[-1]


def test_pages_of_a_search_list_every_match_once_newest_first():
    titles = _titles(60)   # two titles a second: ties broken by id
    for q in ("小说", "小说 科普", "编委会 历史", "册"):
        expected = [t["_id"] for t in sorted(
            titles, key=lambda t: (t["created_at"], t["_id"]), reverse=True)
            if all(term.matches(t["keywords"]) for term in search.terms(q))]
        assert expected, q
        for limit in (1, 7, 20, 100):
            assert _page_through(q, titles, limit) == expected, (q, limit)


def test_the_last_page_says_no_more_follow():
    found = [{"b", "c", "a"}, {"a", "b", "c", "d"}]
    assert search.newest_page(found, 3) == (["c", "b", "a"], False)
    assert search.newest_page(found, 2) == (["c", "b"], True)
    assert search.newest_page(found, 2, after="b") == (["a"], False)
    assert search.newest_page([], 5) == ([], False)


def test_postings_list_each_titles_entry_under_its_keys_newest_first():
    titles = _titles(4)
    added = search.postings_of(titles)
    assert added["编委"] == sorted((search.entry(t["created_at"], t["_id"]) for t in titles),
                                 reverse=True)
    assert "编委会" not in added


def test_an_import_finds_a_title_again_by_title_and_author_whatever_the_spacing_or_case():
    assert search.work_key("Graded  Readers ", "Oxford") == search.work_key("graded readers", "OXFORD")
    assert search.work_key("社区志", "街道办") != search.work_key("社区志", "居委会")
