"""Questions about the products just recommended, answered from their catalogue facts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from commerce.product_questions import Asked, answer_question, battery_hours, read_question, weight_grams
from commerce.recommendations import ProductDetail


def product(sku: str, price: str, stock: int, description: str) -> ProductDetail:
    return ProductDetail(sku, f"Product {sku}", "Brand", "headphones", Decimal(price), stock, description)


SHOWN = [
    product("A", "199.99", 3, "Headphones with up to 30 hours of battery life and a 58 g ultralight shell."),
    product("B", "89.49", 0, "Earbuds with 8 hours of playback and a wireless charging case."),
    product("C", "149.99", 5, "Speaker with a 6-day battery and IPX4 sweat resistance."),
    product("D", "59.99", 2, "Cable with a braided jacket."),
]


@pytest.mark.parametrize("description,hours", [
    ("up to 30 hours of battery life", 30), ("8 hours of playback", 8), ("a 6-day battery", 144),
    ("14-day battery life", 336), ("three hours of battery", 3), ("all-day battery life", 12),
    ("a braided cable", None), ("a 5,000 mAh battery", None),
])
def test_battery_life_is_read_only_where_the_description_states_it(description: str, hours) -> None:
    assert battery_hours(description) == hours


def test_weights() -> None:
    assert weight_grams("a 1.1 kg aluminium chassis") == 1100
    assert weight_grams("a 58 g ultralight shell") == 58
    assert weight_grams("no weight given") is None


@pytest.mark.parametrize("text,asked,positions", [
    ("which one has the longest battery life?", Asked.BATTERY, ()),
    ("is the second one in stock?", Asked.STOCK, (2,)),
    ("tell me more about number 3", Asked.DESCRIBE, (3,)),
    ("what's the difference between the first and the last one", Asked.DESCRIBE, (1, 4)),
    ("which is the cheapest", Asked.CHEAPEST, ()),
    ("which one has a wireless charging case?", Asked.FEATURE, ()),
])
def test_reading_the_question(text: str, asked: Asked, positions: tuple) -> None:
    question = read_question(text, len(SHOWN))
    assert (question.asked, question.positions) == (asked, positions)


def test_the_longest_battery_is_the_best_stated_one_and_the_others_are_listed() -> None:
    answer = answer_question(read_question("which lasts longest on a charge?", 4), SHOWN)
    assert answer.best is not None and answer.best.product.sku == "C"  # 6 days beats 30 hours
    assert [row.stated for row in answer.rows][3] is None, "D states nothing, and is not guessed"


def test_stock_price_and_feature_answers() -> None:
    stock = answer_question(read_question("is the second one in stock?", 4), SHOWN)
    assert [row.product.sku for row in stock.rows] == ["B"] and stock.rows[0].product.stock == 0
    cheapest = answer_question(read_question("which is the cheapest?", 4), SHOWN)
    assert cheapest.best is not None and cheapest.best.product.sku == "D"
    feature = answer_question(read_question("which one has a wireless charging case?", 4), SHOWN)
    assert [row.product.sku for row in feature.rows] == ["B"] and feature.found
    missing = answer_question(read_question("which one is made of titanium?", 4), SHOWN)
    assert not missing.found and len(missing.rows) == 4


def test_a_position_beyond_the_list_is_ignored() -> None:
    assert read_question("tell me about the fifth one", 4).positions == ()


def test_which_one_is_best_names_the_first_of_the_ranked_list() -> None:
    answer = answer_question(read_question("which one would you pick?", 4), SHOWN)
    assert answer.asked is Asked.BEST and answer.best is not None and answer.best.position == 1
