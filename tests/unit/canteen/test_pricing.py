"""The price rules in the community's words, table-driven, no broker, no database."""
import datetime as dt

import pytest

from services.canteen import pricing
from shared.errors import Invalid

SITE = {"elder_discount_percent": 20, "caring_lunch_price_fen": 990}
MENU = [
    {"name": "鱼香肉丝", "tags": ["meat"], "price_fen": 1200},
    {"name": "清炒时蔬", "tags": ["vegetable"], "price_fen": 600},
    {"name": "米饭", "tags": [], "price_fen": 100},
    {"name": "自选素菜", "tags": ["vegetable"], "price_per_100g_fen": 333},
    {"name": "红烧排骨", "tags": ["meat"], "price_per_100g_fen": 450},
]
MEAL_DAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize("numerator, denominator, expected", [
    (0, 100, 0), (49, 100, 0), (50, 100, 1), (150, 100, 2), (249, 100, 2), (250, 100, 3),
    (7, 2, 4), (5, 2, 3), (1, 3, 0), (2, 3, 1),
])
def test_half_up_rounding(numerator, denominator, expected):
    assert pricing.round_half_up(numerator, denominator) == expected


@pytest.mark.parametrize("per_100g, grams, expected", [
    (333, 100, 333),   # exact
    (333, 150, 500),   # 499.5 -> 500 (half-up, not banker's 500 by luck: see next)
    (450, 250, 1125),  # exact
    (125, 2, 3),       # 2.5 -> 3 (banker's rounding would give 2)
    (125, 6, 8),       # 7.5 -> 8
    (333, 1, 3),       # 3.33 -> 3
    (999, 5000, 49950),
])
def test_weighed_dishes_bill_price_per_100g_times_grams_half_up(per_100g, grams, expected):
    assert pricing.weighed_amount_fen(per_100g, grams) == expected


@pytest.mark.parametrize("birth, expected_age", [
    (dt.date(1966, 12, 1), 60),   # sixtieth birthday on the meal date
    (dt.date(1966, 12, 2), 59),   # turns sixty the day after
    (dt.date(1966, 11, 30), 60),
    (dt.date(1967, 1, 1), 59),
    (dt.date(1990, 5, 1), 36),
])
def test_age_on_the_meal_date(birth, expected_age):
    assert pricing.age_on(birth, MEAL_DAY) == expected_age


def test_a_leap_day_birthday():
    born = dt.date(1964, 2, 29)
    assert pricing.age_on(born, dt.date(2024, 2, 28)) == 59
    assert pricing.age_on(born, dt.date(2024, 2, 29)) == 60
    assert pricing.age_on(born, dt.date(2025, 2, 28)) == 60
    assert pricing.age_on(born, dt.date(2023, 2, 28)) == 58


def bill(items, birth=None, groups=(), meal="lunch", portions=1, had=False, site=SITE):
    return pricing.bill(MENU, items, site=site, meal=meal, meal_date=MEAL_DAY, birth_date=birth,
                        groups=list(groups), portions=portions, had_caring_lunch_that_day=had)


LUNCH = [{"dish_name": "鱼香肉丝", "quantity": 1}, {"dish_name": "米饭", "quantity": 2},
         {"dish_name": "自选素菜", "grams": 150}]   # 1200 + 200 + 500 = 1900


@pytest.mark.parametrize("case, birth, groups, meal, had, total, rule", [
    ("nobody special", dt.date(1990, 5, 1), [], "lunch", False, 1900, "standard"),
    ("fifty-nine on the meal date pays the list price",
     dt.date(1966, 12, 2), [], "lunch", False, 1900, "standard"),
    ("sixty on the meal date gets the elder price",
     dt.date(1966, 12, 1), [], "lunch", False, 1520, "elder"),
    ("no birth date, no elder price", None, [], "lunch", False, 1900, "standard"),
    ("a sanitation worker's lunch is the caring lunch",
     dt.date(1990, 5, 1), ["sanitation_worker"], "lunch", False, 990, "caring_lunch"),
    ("a delivery rider's lunch is the caring lunch",
     dt.date(1990, 5, 1), ["delivery_rider"], "lunch", False, 990, "caring_lunch"),
    ("property staff's lunch is the caring lunch",
     dt.date(1990, 5, 1), ["property_staff"], "lunch", False, 990, "caring_lunch"),
    ("caring lunch only once a day", dt.date(1990, 5, 1), ["delivery_rider"], "lunch", True,
     1900, "standard"),
    ("caring lunch is lunch only", dt.date(1990, 5, 1), ["delivery_rider"], "dinner", False,
     1900, "standard"),
    ("elderly_alone is not a caring group", dt.date(1990, 5, 1), ["elderly_alone"], "lunch",
     False, 1900, "standard"),
    ("an elder rider pays the lower caring lunch",
     dt.date(1950, 1, 1), ["delivery_rider"], "lunch", False, 990, "caring_lunch"),
    ("an elder rider who had the caring lunch pays the elder price",
     dt.date(1950, 1, 1), ["delivery_rider"], "lunch", True, 1520, "elder"),
])
def test_price_rules(case, birth, groups, meal, had, total, rule):
    result = bill(LUNCH, birth=birth, groups=groups, meal=meal, had=had)
    assert result["list_total_fen"] == 1900, case
    assert (result["total_fen"], result["price_rule"]) == (total, rule), case


@pytest.mark.parametrize("items, birth, groups, total, rule", [
    # a small lunch under 9.90 yuan: the list price is lowest, so the rider pays it
    ([{"dish_name": "清炒时蔬", "quantity": 1}, {"dish_name": "米饭", "quantity": 1}],
     None, ["sanitation_worker"], 700, "standard"),
    # an elder's small lunch: elder (560) beats the caring lunch (990)
    ([{"dish_name": "清炒时蔬", "quantity": 1}, {"dish_name": "米饭", "quantity": 1}],
     dt.date(1950, 1, 1), ["sanitation_worker"], 560, "elder"),
    # a big lunch: caring lunch (990) beats elder (2400 * 0.8 = 1920)
    ([{"dish_name": "鱼香肉丝", "quantity": 2}],
     dt.date(1950, 1, 1), ["property_staff"], 990, "caring_lunch"),
    # exactly 990 at list price: a tie names the simpler rule
    ([{"dish_name": "自选素菜", "grams": 297}],
     None, ["delivery_rider"], 989, "standard"),
])
def test_the_lowest_total_wins(items, birth, groups, total, rule):
    result = bill(items, birth=birth, groups=groups)
    assert (result["total_fen"], result["price_rule"]) == (total, rule)


def test_a_tie_names_the_simpler_rule():
    assert pricing.choose_rule(990, elder=False, elder_discount_percent=0, caring_lunch=True,
                               caring_lunch_price_fen=990) == (990, "standard")
    assert pricing.choose_rule(1000, elder=True, elder_discount_percent=0, caring_lunch=False,
                               caring_lunch_price_fen=990) == (1000, "standard")


@pytest.mark.parametrize("list_total, percent, expected", [
    (1900, 20, 1520), (1005, 10, 905), (1, 50, 1), (3, 50, 2), (999, 0, 999), (999, 100, 0),
])
def test_elder_discount_rounds_half_up(list_total, percent, expected):
    assert pricing.elder_total_fen(list_total, percent) == expected


def test_caring_lunch_covers_one_portion_of_a_booking():
    # two portions, 1900 list: one at 990, the other pays half the list (950)
    assert pricing.caring_total_fen(1900, 990, portions=2) == 1940
    result = bill(LUNCH, groups=["delivery_rider"], portions=2)
    assert (result["total_fen"], result["price_rule"]) == (1900, "standard")


def test_the_site_sets_the_caring_lunch_price():
    site = {"elder_discount_percent": 0, "caring_lunch_price_fen": 500}
    result = bill(LUNCH, groups=["delivery_rider"], site=site)
    assert (result["total_fen"], result["price_rule"]) == (500, "caring_lunch")


def test_lines_name_the_dish_and_what_it_cost():
    lines = bill(LUNCH)["lines"]
    assert [line["amount_fen"] for line in lines] == [1200, 200, 500]
    assert lines[2] == {"dish_name": "自选素菜", "tags": ["vegetable"], "grams": 150,
                        "price_per_100g_fen": 333, "amount_fen": 500}


@pytest.mark.parametrize("item, field", [
    ({"dish_name": "宫保鸡丁", "quantity": 1}, "items.0.dish_name"),
    ({"dish_name": "自选素菜"}, "items.0.grams"),
    ({"dish_name": "自选素菜", "grams": 0}, "items.0.grams"),
    ({"dish_name": "自选素菜", "grams": -5}, "items.0.grams"),
    ({"dish_name": "自选素菜", "grams": 5001}, "items.0.grams"),
    ({"dish_name": "米饭", "grams": 100}, "items.0.grams"),
    ({"dish_name": "米饭", "quantity": 0}, "items.0.quantity"),
])
def test_bad_items_name_the_field(item, field):
    with pytest.raises(Invalid) as caught:
        bill([item])
    assert field in caught.value.details


def test_expected_rule_of_a_booking():
    rider, elder = ["delivery_rider"], dt.date(1966, 12, 1)
    assert pricing.expected_rule(meal="lunch", meal_date=MEAL_DAY, birth_date=None,
                                 groups=rider) == "caring_lunch"
    assert pricing.expected_rule(meal="dinner", meal_date=MEAL_DAY, birth_date=elder,
                                 groups=rider) == "elder"
    assert pricing.expected_rule(meal="lunch", meal_date=MEAL_DAY, birth_date=elder, groups=rider,
                                 had_caring_lunch_that_day=True) == "elder"
    assert pricing.expected_rule(meal="lunch", meal_date=MEAL_DAY,
                                 birth_date=dt.date(1966, 12, 2), groups=[]) == "standard"
