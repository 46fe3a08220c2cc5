"""Money figures with their currencies."""

import pytest

from extractors.money import find_money, parse_money


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("signed an $8.5 billion framework", 8.5e9, "USD"),
        ("Lynas will invest A$180 million in a new plant", 1.8e8, "AUD"),
        ("a US$600 million debt package", 6e8, "USD"),
        ("a reserve worth almost $12bn", 1.2e10, "USD"),
        ("buying $400m of shares", 4e8, "USD"),
        ("a 5 billion yuan fund", 5e9, "CNY"),
        ("grants of 300 million euros", 3e8, "EUR"),
        ("a €2bn programme", 2e9, "EUR"),
        ("loans of 10 billion yen", 1e10, "JPY"),
        ("C$50 million from Ottawa", 5e7, "CAD"),
        ("$1,200,000 in grants", 1.2e6, "USD"),
    ],
)
def test_money(text, amount, currency):
    got = parse_money(text)
    assert got is not None
    assert got[0] == pytest.approx(amount)
    assert got[1] == currency


def test_no_money_in_plain_numbers():
    assert parse_money("five more elements and 17 rare earths in 2025") is None


def test_several_figures_in_order():
    found = find_money("A$1.2bn (£580m) for a reserve")
    assert [(m.amount, m.currency) for m in found] == [(1.2e9, "AUD"), (5.8e8, "GBP")]


def test_prices_are_not_amounts():
    assert parse_money("a price floor of $110/kg for NdPr oxide") is None
    assert parse_money("shares at $5 a share") is None
