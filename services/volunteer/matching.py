"""Suggestions for staff: which team of the community fits a request best.

A team scores for knowing the kind of help (skill), for covering the place (area),
for having few open requests (load) and for how residents rated its work. Every
score comes with its reasons in words, so staff see why."""
from dataclasses import dataclass

SKILL_POINTS = 50
AREA_POINTS = 20
LOAD_POINTS = 15          # an idle team; each open request costs LOAD_STEP
LOAD_STEP = 5
RATING_POINTS_PER_STAR = 3  # up to 15 for a 5.0 average
UNRATED_STARS = 3.0         # a new team is treated as average, not as bad


@dataclass
class TeamFacts:
    team_id: str
    name: str
    skills: list
    areas: list
    open_load: int = 0
    rating_sum: int = 0
    rating_count: int = 0

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 2) if self.rating_count else None


def facts_of(teams: list[dict], ratings: dict, loads: dict) -> list[TeamFacts]:
    """The facts ``rank`` needs of each team: ``ratings`` is ``{team_id: (sum, count)}``
    of closed requests, ``loads`` ``{team_id: open requests}``."""
    return [TeamFacts(team_id=t["_id"], name=t["name"], skills=t["skills"], areas=t["areas"],
                      open_load=loads.get(t["_id"], 0),
                      rating_sum=ratings.get(t["_id"], (0, 0))[0],
                      rating_count=ratings.get(t["_id"], (0, 0))[1]) for t in teams]


def covered_area(address: str, areas) -> str | None:
    """The first of the team's areas (a building or a street) named in the address."""
    address = address or ""
    for area in areas:
        if area and area in address:
            return area
    return None


def score_team(category: str, address: str, team: TeamFacts) -> dict:
    score, reasons = 0.0, []
    if category in team.skills:
        score += SKILL_POINTS
        reasons.append(f"has the skill {category}")
    else:
        reasons.append(f"lacks the skill {category}")
    area = covered_area(address, team.areas)
    if area:
        score += AREA_POINTS
        reasons.append(f"covers {area}")
    else:
        reasons.append("does not cover this address")
    score += max(0, LOAD_POINTS - LOAD_STEP * team.open_load)
    reasons.append("no open requests" if team.open_load == 0 else
                   f"{team.open_load} open request{'s' if team.open_load != 1 else ''}")
    average = team.average_rating
    score += RATING_POINTS_PER_STAR * (average if average is not None else UNRATED_STARS)
    reasons.append(f"average rating {average} from {team.rating_count} "
                   f"request{'s' if team.rating_count != 1 else ''}"
                   if average is not None else "not rated yet")
    return {"team_id": team.team_id, "name": team.name, "score": round(score, 2),
            "reasons": reasons}


def rank(category: str, address: str, teams: list[TeamFacts]) -> list[dict]:
    """Teams best first; ties go to the lighter load, then the name."""
    scored = [(score_team(category, address, t), t) for t in teams]
    scored.sort(key=lambda pair: (-pair[0]["score"], pair[1].open_load, pair[1].name))
    return [s for s, _ in scored]
