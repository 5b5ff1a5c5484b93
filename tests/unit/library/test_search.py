"""Catalogue search keys: Chinese bigrams and whole runs, Latin words by prefix."""
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


def test_the_index_filter_is_an_equality_or_a_prefix_range():
    [cjk] = search.terms("世界")
    assert cjk.index_filter() == {"keywords": "世界"}
    [latin] = search.terms("Pri")
    assert latin.index_filter() == {"keywords": {"$gte": "pri", "$lt": "pri" + search.PREFIX_END}}


def test_the_most_selective_term_leads():
    lead = search.primary(search.terms("a 平凡的世界"))
    assert lead.run == "平凡的世界"
    assert search.terms("") == []


def test_an_import_finds_a_title_again_by_title_and_author_whatever_the_spacing_or_case():
    assert search.work_key("Graded  Readers ", "Oxford") == search.work_key("graded readers", "OXFORD")
    assert search.work_key("社区志", "街道办") != search.work_key("社区志", "居委会")
