"""Team suggestions: skill, area, open load and rating, each with its reason."""
import pytest

from services.volunteer.matching import TeamFacts, covered_area, facts_of, rank, score_team


def team(name, skills=(), areas=(), load=0, ratings=()):
    return TeamFacts(team_id=name, name=name, skills=list(skills), areas=list(areas),
                     open_load=load, rating_sum=sum(ratings), rating_count=len(ratings))


@pytest.mark.parametrize("address,areas,found", [
    ("幸福里小区3号楼2单元", ["3号楼", "5号楼"], "3号楼"),
    ("幸福里小区7号楼", ["3号楼"], None),
    ("长江路12号", ["长江路"], "长江路"),
    ("", ["3号楼"], None),
])
def test_an_area_matches_when_the_address_names_it(address, areas, found):
    assert covered_area(address, areas) == found


def test_the_team_with_the_skill_comes_first():
    ranked = rank("repair", "3号楼", [team("文艺队", ["culture"]), team("维修队", ["repair"])])
    assert [r["name"] for r in ranked] == ["维修队", "文艺队"]
    assert "has the skill repair" in ranked[0]["reasons"]
    assert "lacks the skill repair" in ranked[1]["reasons"]


def test_covering_the_building_beats_not_covering_it():
    ranked = rank("repair", "幸福里3号楼", [team("A", ["repair"], ["5号楼"]),
                                          team("B", ["repair"], ["3号楼"])])
    assert ranked[0]["name"] == "B" and "covers 3号楼" in ranked[0]["reasons"]


@pytest.mark.parametrize("loads,first", [((0, 2), "A"), ((3, 1), "B")])
def test_a_lighter_load_wins_between_equal_teams(loads, first):
    ranked = rank("repair", "", [team("A", ["repair"], load=loads[0]),
                                 team("B", ["repair"], load=loads[1])])
    assert ranked[0]["name"] == first


def test_a_better_rating_wins_and_an_unrated_team_counts_as_average():
    good, bad, new = (team("good", ["repair"], ratings=[5, 5]),
                      team("bad", ["repair"], ratings=[1, 2]), team("new", ["repair"]))
    assert [r["name"] for r in rank("repair", "", [bad, new, good])] == ["good", "new", "bad"]
    assert "average rating 5.0 from 2 requests" in score_team("repair", "", good)["reasons"]
    assert "not rated yet" in score_team("repair", "", new)["reasons"]


def test_every_suggestion_has_a_score_and_four_reasons():
    result = score_team("escort", "x", team("T", ["escort"], load=1))
    assert set(result) == {"team_id", "name", "score", "reasons"}
    assert len(result["reasons"]) == 4 and "1 open request" in result["reasons"]


def test_the_facts_of_a_team_come_from_its_ratings_and_open_load():
    teams = [{"_id": "t1", "name": "维修队", "skills": ["repair"], "areas": ["3号楼"]},
             {"_id": "t2", "name": "新队", "skills": [], "areas": []}]
    facts = facts_of(teams, {"t1": (9, 2)}, {"t1": 3})
    assert (facts[0].open_load, facts[0].average_rating) == (3, 4.5)
    assert (facts[1].open_load, facts[1].rating_count) == (0, 0)
