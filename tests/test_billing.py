"""Billing beyond the §8 rows: licence rates, the subscription forecast's thresholds, Historics
run time and dates, credits, money as strings."""

from decimal import Decimal

import pytest

from csdl import billing
from csdl.billing.pricing import load_pricing


def test_unknown_licence_rate_is_an_error():
    with pytest.raises(billing.BillingError, match="no licence rate for source `tumblr`"):
        billing.stream([Decimal(1)], 1, objects=10, source="tumblr")


def test_rate_given_by_the_user():
    bill = billing.stream([Decimal(1)], 1, objects=1000, source="tumblr", rates={"Tumblr": Decimal("0.0005")})
    assert bill.data["licence"] == "0.50" and bill.data["total"] == "0.70"


def test_no_objects_needs_no_rate():
    assert billing.stream([Decimal(2)], 10, source="nowhere").data["total"] == "4.00"


def test_money_is_always_a_two_decimal_string():
    data = billing.stream([Decimal("0.3"), Decimal("0.9")], Decimal("2.5"), objects=3).data
    assert data["processing"] == "0.60" and data["licence"] == "0.00" and data["total"] == "0.60"
    assert all(isinstance(data[k], str) for k in ("processing", "licence", "total", "credits"))


def test_credits():
    assert billing.stream([Decimal(1)], 6, objects=4000).data["credits"] == "1.60"
    assert billing.credits_for(Decimal(1), load_pricing()) * load_pricing().get("credits", "dpu_per_credit") == 5


def test_subscription_thresholds():
    # 2 DPU: a 500 DPU-hour allowance lasts 250 h; licence $3/h; excess $0.40/h after that.
    bill = billing.subscription([Decimal(2)], allowance=500, limit=2200, objects_per_hour=30000)
    data = bill.data
    assert data["allowance_used_up"] == {"hour": 250, "day": 11}
    assert data["notice_amount"] == "1760.00"
    assert data["notice"] == {"hour": 547.06, "day": 23}  # 250 + (1760 - 750) / 3.4
    assert data["stop"] == {"hour": 676.47, "day": 29}  # 250 + (2200 - 750) / 3.4
    assert data["variable_cost"] == "2200.00"  # the streams stop at the limit


def test_subscription_under_the_limit():
    data = billing.subscription([Decimal("0.1")], allowance=1000, limit=2500, objects_per_hour=100).data
    assert data["billed_dpu_per_hour"] == 1  # the 1 DPU/hour minimum applies: [decision]
    assert data["excess_dpu_hours"] == 0 and data["notice"] is None and data["stop"] is None
    assert data["licence"] == "7.20"


def test_subscription_notice_before_allowance_runs_out():
    data = billing.subscription([Decimal(1)], allowance=720, limit=100, objects_per_hour=10000).data
    assert data["notice"] == {"hour": 80, "day": 4} and data["stop"] == {"hour": 100, "day": 5}


def test_subscription_fee_in_total():
    data = billing.subscription([Decimal(1)], allowance=720, limit=100, fee=Decimal(500)).data
    assert data["total"] == "500.00" and data["fee"] == "500.00"


def test_historics_dates_and_run_time():
    start = billing.parse_when("2024-03-01T00:00", "start")
    end = billing.parse_when("2024-03-31", "end")
    hours = billing.duration_hours(start, end)
    assert hours == 720
    data = billing.historics(Decimal("2.5"), hours, sample=100, start=start, end=end).data
    assert data["dpu_usage"] == 2250 and data["dpu_usage_cost"] == "450.00" and data["run_time_hours"] == 24


def test_historics_bad_inputs():
    with pytest.raises(billing.BillingError, match="must be after"):
        billing.duration_hours(billing.parse_when("2024-03-02", "s"), billing.parse_when("2024-03-01", "e"))
    with pytest.raises(billing.BillingError, match="not a date"):
        billing.parse_when("yesterday", "--start")
    with pytest.raises(billing.BillingError, match="sample factor"):
        billing.historics(Decimal(1), 1, sample=50)


def test_prices_come_from_the_pricing_file(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[on_demand]\ndpu_hour_price = 0.25\nminimum_dpu_per_hour = 2\n[preview]\ndpu = 10\n")
    pricing = load_pricing(str(path))
    assert billing.stream([Decimal(1)], 1, pricing=pricing).data["total"] == "0.50"
    data = billing.preview(pricing=pricing).data
    # 10 DPU at $0.25 is $2.50; in credits the override left a credit at 5 DPU, so 2 credits
    assert (data["dpu"], data["cost"], data["credits"], data["licence"]) == (10, "2.50", "2.00", "0.00")


def test_negative_inputs_refused():
    with pytest.raises(billing.BillingError):
        billing.stream([Decimal(1)], -1)


def test_zero_minimum_and_no_streams(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[on_demand]\nminimum_dpu_per_hour = 0\n")
    data = billing.subscription([Decimal(0)], allowance=10, limit=100, objects_per_hour=1000,
                                pricing=load_pricing(str(path))).data
    # $0.10 of licence an hour: the $100 limit would be reached at hour 1,000, after the month
    assert data["allowance_used_up"] is None and data["stop"] is None and data["notice"] is None
    assert data["excess_dpu_hours"] == 0 and data["licence"] == "72.00"


@pytest.mark.parametrize("content, message", [
    ("[dpu]\nscale_base = 0\n", "must be greater than zero"),
    ("[dpu]\ncontains_words_per_step = 2.5\n", "must be a whole number"),
    ("[credits]\nprice = 1e20\n", "out of range"),
])
def test_pricing_values_checked(tmp_path, content, message):
    path = tmp_path / "p.toml"
    path.write_text(content)
    with pytest.raises(billing_pricing_error(), match=message):
        load_pricing(str(path))


def billing_pricing_error():
    from csdl.billing.pricing import PricingError

    return PricingError
