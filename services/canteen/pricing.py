"""What a diner pays at the counter: plain functions, integer fen, no I/O.

A bill is built in two steps. First the lines: a fixed dish bills
``price_fen * quantity``; a weighed dish bills ``price_per_100g_fen * grams / 100``
rounded half-up to the fen. Their sum is the list total. Then the price rules:

- ``elder``: the diner is 60 or older on the meal date (from the birth date), and
  the site's ``elder_discount_percent`` comes off the list total (rounded half-up);
- ``caring_lunch``: the diner is a sanitation worker, delivery rider or property
  staff, the meal is lunch and they have not had a caring lunch that day; one portion
  costs the site's ``caring_lunch_price_fen`` and any further portions of a booking
  pay their share of the list total;
- ``standard``: the list total.

The diner pays the lowest applicable total; on a tie the simpler rule is named
(standard, then elder, then caring lunch).
"""
import datetime as dt

from shared.clock import age_on
from shared.errors import Invalid

ELDER_AGE = 60
CARING_GROUPS = frozenset({"sanitation_worker", "delivery_rider", "property_staff"})
DEFAULT_CARING_LUNCH_PRICE_FEN = 990
MAX_GRAMS = 5000
MAX_QUANTITY = 20


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-up, in integers (no float error)."""
    if denominator <= 0 or numerator < 0:
        raise ValueError("round_half_up takes a non-negative numerator and a positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


def weighed_amount_fen(price_per_100g_fen: int, grams: int) -> int:
    return round_half_up(price_per_100g_fen * grams, 100)


def is_elder(birth_date: dt.date | None, meal_date: dt.date) -> bool:
    return birth_date is not None and age_on(birth_date, meal_date) >= ELDER_AGE


def caring_lunch_applies(groups, meal: str, had_caring_lunch_that_day: bool) -> bool:
    return (meal == "lunch" and not had_caring_lunch_that_day
            and bool(CARING_GROUPS.intersection(groups or ())))


def caring_lunch_could_apply(groups, meal: str) -> bool:
    """Whether the day's earlier caring lunches matter at all (worth a read)."""
    return caring_lunch_applies(groups, meal, had_caring_lunch_that_day=False)


def elder_total_fen(list_total_fen: int, discount_percent: int) -> int:
    return round_half_up(list_total_fen * (100 - discount_percent), 100)


def caring_total_fen(list_total_fen: int, caring_price_fen: int, portions: int = 1) -> int:
    """One portion at the caring price; the other portions pay their share of the list."""
    others = round_half_up(list_total_fen * (portions - 1), portions) if portions > 1 else 0
    return caring_price_fen + others


def lines_for(dishes: list[dict], items: list[dict]) -> list[dict]:
    """Bill lines for the ``items`` taken, priced from the menu's ``dishes``.

    Raises ``Invalid`` naming ``items.<i>.<field>`` for a dish not on the menu, grams
    for a fixed-price dish, a quantity for a weighed one, or grams out of range."""
    by_name = {d["name"]: d for d in dishes}
    lines, problems = [], {}
    for i, item in enumerate(items):
        dish = by_name.get(item["dish_name"])
        if dish is None:
            problems[f"items.{i}.dish_name"] = ["not on this menu"]
            continue
        weighed = dish.get("price_per_100g_fen") is not None
        if weighed:
            grams = item.get("grams")
            if grams is None:
                problems[f"items.{i}.grams"] = ["a weighed dish needs grams"]
            elif not 0 < grams <= MAX_GRAMS:
                problems[f"items.{i}.grams"] = [f"between 1 and {MAX_GRAMS}"]
            else:
                lines.append({"dish_name": dish["name"], "tags": list(dish.get("tags", [])),
                              "grams": grams, "price_per_100g_fen": dish["price_per_100g_fen"],
                              "amount_fen": weighed_amount_fen(dish["price_per_100g_fen"], grams)})
        else:
            if item.get("grams") is not None:
                problems[f"items.{i}.grams"] = ["this dish has a fixed price; give quantity"]
                continue
            quantity = 1 if item.get("quantity") is None else item["quantity"]
            if not 0 < quantity <= MAX_QUANTITY:
                problems[f"items.{i}.quantity"] = [f"between 1 and {MAX_QUANTITY}"]
                continue
            lines.append({"dish_name": dish["name"], "tags": list(dish.get("tags", [])),
                          "quantity": quantity, "price_fen": dish["price_fen"],
                          "amount_fen": dish["price_fen"] * quantity})
    if problems:
        raise Invalid("some items cannot be billed", details=problems)
    return lines


def choose_rule(list_total_fen: int, *, elder: bool, elder_discount_percent: int,
                caring_lunch: bool, caring_lunch_price_fen: int, portions: int = 1):
    """``(total_fen, rule)``: the lowest total among the rules that apply."""
    options = [(list_total_fen, 0, "standard")]
    if elder:
        options.append((elder_total_fen(list_total_fen, elder_discount_percent), 1, "elder"))
    if caring_lunch:
        options.append((caring_total_fen(list_total_fen, caring_lunch_price_fen, portions), 2,
                        "caring_lunch"))
    total, _, rule = min(options)
    return total, rule


def bill(dishes: list[dict], items: list[dict], *, site: dict, meal: str,
         meal_date: dt.date, birth_date: dt.date | None, groups, portions: int = 1,
         had_caring_lunch_that_day: bool = False) -> dict:
    """The whole bill: ``{lines, list_total_fen, total_fen, price_rule}``."""
    lines = lines_for(dishes, items)
    list_total = sum(line["amount_fen"] for line in lines)
    total, rule = choose_rule(
        list_total,
        elder=is_elder(birth_date, meal_date),
        elder_discount_percent=site.get("elder_discount_percent", 0),
        caring_lunch=caring_lunch_applies(groups, meal, had_caring_lunch_that_day),
        caring_lunch_price_fen=site.get("caring_lunch_price_fen", DEFAULT_CARING_LUNCH_PRICE_FEN),
        portions=portions)
    return {"lines": lines, "list_total_fen": list_total, "total_fen": total, "price_rule": rule}


def expected_rule(*, meal: str, meal_date: dt.date, birth_date: dt.date | None, groups,
                  had_caring_lunch_that_day: bool = False) -> str:
    """The rule a booking expects at the counter, before anyone knows what is taken:
    the caring lunch when it applies (a fixed low price), else elder, else standard.
    The counter still bills the lowest total."""
    if caring_lunch_applies(groups, meal, had_caring_lunch_that_day):
        return "caring_lunch"
    if is_elder(birth_date, meal_date):
        return "elder"
    return "standard"
