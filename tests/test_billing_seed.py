"""What DataSift's billing pages describe beyond the model's data points, each with the pages' own
numbers: the API's own errors for bad amounts, a credit balance bought in $10 increments that runs
down and stops the streams, a variable cost limit raised mid-month ($2,000 -> $2,500), Historics
DPU drawn from the monthly allowance, a Historics query stopped midway, one preview per stream."""

from __future__ import annotations

from decimal import Decimal

import pytest

from csdl import billing
from csdl.billing.pricing import Pricing, load_pricing


# --- bad amounts are refused by the API with our own error (items 5, 18) -----------------------

@pytest.mark.parametrize("call", [
    lambda: billing.stream(["-3"], 1),
    lambda: billing.stream([Decimal("-0.1")], 1),
    lambda: billing.stream([1], -1),
    lambda: billing.stream([1], 1, objects=-5),
    lambda: billing.historics("-3", 1),
    lambda: billing.historics(1, "-1"),
    lambda: billing.subscription(["-1"], allowance=10, limit=10),
    lambda: billing.subscription([1], allowance=-10, limit=10),
    lambda: billing.credit_balance(["-2"], buy=10),
    lambda: billing.credit_balance([1], balance=-1),
])
def test_negative_amounts_are_refused(call):
    with pytest.raises(billing.BillingError, match="must not be negative"):
        call()


@pytest.mark.parametrize("value", ["abc", None, object(), float("0.5"), "NaN", "Infinity", True])
def test_non_numbers_are_our_error_too(value):
    with pytest.raises(billing.BillingError):
        billing.stream([value], 1)


def test_negative_dpu_gives_no_bill_at_all():
    # Before: `billing.stream(["-3"], 1)` billed $0.20 and `billing.historics("-3", 1)` 1.25 DPU.
    with pytest.raises(billing.BillingError, match=r"DPU must not be negative \(-3\)"):
        billing.historics("-3", 1)


# --- generators (item 6) ------------------------------------------------------------------------

def test_a_generator_of_dpus_is_read_once():
    bill = billing.stream((Decimal("0.1") for _ in range(10)), 1)
    assert bill.data["streams"] == 10 and bill.data["dpu"] == 1 and bill.data["total"] == "0.20"
    assert ("Streams running at once", "10") in bill.lines
    assert billing.subscription(iter([2, 1]), allowance=0, limit=100).data["dpu"] == 3


def test_one_number_is_one_stream():
    assert billing.stream("1.5", 1).data["streams"] == 1 and billing.stream("1.5", 1).data["total"] == "0.30"


# --- credits: label and dpu_per_credit from the pricing (item 8) ------------------------------

def _pricing(**tables) -> Pricing:
    base = load_pricing()
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.data.items()}
    for table, values in tables.items():
        data[table] = {**data[table], **{k: Decimal(str(v)) for k, v in values.items()}}
    return Pricing(data, base.sources)


def test_credits_label_follows_the_pricing():
    bill = billing.stream([1], 6, objects=4000)
    assert ("Credits ($1 = 5 DPU)", "1.60") in bill.lines
    other = billing.stream([1], 6, objects=4000, pricing=_pricing(credits={"price": "2", "dpu_per_credit": "8"}))
    labels = dict(other.lines)
    assert "Credits ($2 = 8 DPU)" in labels and "Credits ($1 = 5 DPU)" not in labels
    # 6 DPU-hours at 8 DPU a credit = 0.75 credits; $0.40 of licence at $2 a credit = 0.2 credits
    assert other.data["credits"] == "0.95"


def test_dpu_per_credit_is_used():
    # A credit is 5 DPU: one 0.1 DPU stream (billed 1 DPU) for 10 hours spends 2 credits.
    assert billing.stream([Decimal("0.1")], 10).data["credits"] == "2.00"
    assert billing.stream([Decimal("0.1")], 10, pricing=_pricing(credits={"dpu_per_credit": "10"})).data["credits"] == "1.00"
    assert billing.preview(pricing=_pricing(credits={"dpu_per_credit": "10"})).data["credits"] == "2.00"


def test_inconsistent_credit_and_dpu_prices_are_noted():
    bill = billing.stream([1], 1, pricing=_pricing(credits={"dpu_per_credit": "10"}))
    assert any("differs from a credit's price per DPU" in n for n in bill.notes)
    assert not billing.stream([1], 1).notes


# --- licence line without objects (defect 13 of issue 16) ---------------------------------------

def test_licence_rate_is_shown_without_objects():
    bill = billing.stream([1], 1)
    assert bill.data["licence_rate"] == "0.0001" and bill.data["licence"] == "0.00"
    assert ("Licence: 0 twitter objects at $0.0001/object", "$0.00") in bill.lines
    assert billing.historics(1, 1).data["licence_rate"] == "0.0001"
    assert billing.subscription([1], allowance=1, limit=1).data["licence_rate"] == "0.0001"


def test_an_unknown_rate_with_no_objects_is_not_a_guess():
    data = billing.stream([2], 10, source="nowhere").data
    assert data["licence_rate"] is None and data["total"] == "4.00"


# --- days (item 9) ------------------------------------------------------------------------------

@pytest.mark.parametrize("hour, day", [(0, 1), ("0.5", 1), (24, 1), ("24.01", 2), (48, 2), (719, 30), (720, 30)])
def test_the_day_an_hour_falls_on(hour, day):
    assert billing.day_of(Decimal(hour)) == day


def test_a_stop_at_hour_720_is_day_30():
    # 1 DPU, no allowance: $0.20 an hour of excess reaches a $144 limit at hour 720, the month's end.
    data = billing.subscription([1], allowance=0, limit=144).data
    assert data["stop"] == {"hour": 720, "day": 30}


# --- the credit balance (item 10): bought in $10 increments, runs down, stops the streams -------

def test_ten_dollars_of_credits_run_one_stream_for_fifty_hours():
    # $10 = 10 credits = 50 DPU; a 0.1 DPU stream is billed 1 DPU an hour (the minimum): 50 hours.
    data = billing.credit_balance([Decimal("0.1")], buy=10).data
    assert data["credits"] == "10.00" and data["credits_per_hour"] == "0.2"
    assert data["runs_for_hours"] == 50 and data["empty"] == {"hour": 50, "day": 3}


def test_licence_fees_run_the_balance_down_too():
    # 1,000 Tweets an hour cost $0.10 (DataSift's figure): 0.3 credits an hour, $10 last 33.33 hours.
    data = billing.credit_balance([Decimal("0.1")], buy=10, objects_per_hour=1000).data
    assert data["licence_credits_per_hour"] == "0.1" and data["empty"] == {"hour": 33.33, "day": 2}


def test_credits_are_bought_in_ten_dollar_increments():
    with pytest.raises(billing.BillingError, match=r"increments of \$10; \$15 is not one"):
        billing.credit_balance([1], buy=15)
    assert billing.credit_balance([1], buy=30).data["credits"] == "30.00"


def test_what_to_buy_to_run_a_month():
    # 1.5 DPU ($0.30/h) for 720 h needs $216; with $4.50 left, buy $220 (22 × $10), not $211.50.
    data = billing.credit_balance([Decimal("1.5")], balance="4.5", hours=720).data
    assert data["credits_needed"] == "216.00" and data["to_buy"] == "220.00"
    assert billing.credit_balance([1], balance=500, hours=720).data["to_buy"] == "0.00"


def test_low_balance_and_no_spending():
    data = billing.credit_balance([1], buy=10, low=2).data
    assert data["low"] == {"credits": "2.00", "at": {"hour": 40, "day": 2}}
    zero = billing.credit_balance([0], buy=10, pricing=_pricing(on_demand={"minimum_dpu_per_hour": "0"})).data
    assert zero["empty"] is None and zero["runs_for_hours"] is None


# --- raising the variable cost limit mid-month (item 10) --------------------------------------
# DataSift: "if you set the variable cost limit to $2,000 … you receive the first notification
# when you have used up $1,600. Suppose that you receive that notification and you raise the
# variable cost limit to $2,500 … you might be below 80 percent of the new limit or you might be
# above 80 percent of the new limit". Licence of 50,000 Tweets an hour is $5/hour; 1 DPU within a
# 720 DPU-hour allowance costs no excess, so the spending is $5 × hours.

def _events(data):
    return [(e["event"], e["hour"], e["spent"], e["limit"]) for e in data["events"]]


def test_a_2000_limit_notifies_at_1600():
    data = billing.subscription([1], allowance=720, limit=2000, objects_per_hour=50000).data
    assert data["notice_amount"] == "1600.00" and data["notice"] == {"hour": 320, "day": 14}
    assert data["stop"] == {"hour": 400, "day": 17}


def test_raised_to_2500_at_the_notice_is_below_80_percent_of_the_new_limit():
    data = billing.subscription([1], allowance=720, limit=2000, objects_per_hour=50000,
                                limit_changes=[("notice", 2500)]).data
    assert _events(data) == [
        ("notice", 320, "1600.00", "2000.00"),
        ("limit", 320, "1600.00", "2500.00"),   # $1,600 is below $2,000, 80 % of the new limit
        ("notice", 400, "2000.00", "2500.00"),  # so the next notice comes at $2,000
        ("stop", 500, "2500.00", "2500.00"),
    ]
    assert data["variable_cost"] == "2500.00" and data["limit_at_end"] == "2500.00"


def test_raised_to_2500_after_the_stop_is_at_80_percent_of_the_new_limit_at_once():
    data = billing.subscription([1], allowance=720, limit=2000, objects_per_hour=50000,
                                limit_changes=[("stop", 2500)]).data
    assert _events(data) == [
        ("notice", 320, "1600.00", "2000.00"),
        ("stop", 400, "2000.00", "2000.00"),
        ("limit", 400, "2000.00", "2500.00"),
        ("notice", 400, "2000.00", "2500.00"),  # already at 80 % of $2,500: the notice is due at once
        ("restart", 400, "2000.00", "2500.00"),
        ("stop", 500, "2500.00", "2500.00"),
    ]


def test_raised_at_an_hour_while_stopped_restarts_then():
    data = billing.subscription([1], allowance=720, limit=2000, objects_per_hour=50000,
                                limit_changes=[(450, 2500)]).data
    events = _events(data)
    assert ("stop", 400, "2000.00", "2000.00") in events and ("restart", 450, "2000.00", "2500.00") in events
    assert events[-1] == ("stop", 550, "2500.00", "2500.00")  # 50 stopped hours cost nothing
    assert data["running_hours"] == 500


def test_a_limit_raised_above_the_notice_before_it_arrives_moves_it():
    data = billing.subscription([1], allowance=720, limit=2000, objects_per_hour=50000,
                                limit_changes=[(100, 2500)]).data
    assert data["notice"] == {"hour": 400, "day": 17} and data["stop"] == {"hour": 500, "day": 21}


def test_lowering_the_limit_below_the_spending_stops_the_streams():
    data = billing.subscription([1], allowance=720, limit=2500, objects_per_hour=50000,
                                limit_changes=[(200, 900)]).data
    assert data["stop"] == {"hour": 200, "day": 9} and data["variable_cost"] == "1000.00"


def test_limit_change_inputs_are_checked():
    with pytest.raises(billing.BillingError, match="after the month's end"):
        billing.subscription([1], allowance=1, limit=1, limit_changes=[(721, 5)])
    with pytest.raises(billing.BillingError):
        billing.subscription([1], allowance=1, limit=1, limit_changes=[("sometime", 5)])
    with pytest.raises(billing.BillingError, match="must not be negative"):
        billing.subscription([1], allowance=1, limit=1, limit_changes=[(5, -1)])


# --- Historics DPU drawn from the subscription's allowance (item 10) --------------------------
# DataSift: the 0.1 DPU, one-month, 10 % query uses 288 DPU, "deducted from your monthly DPU allowance".

def test_historics_bill_says_what_is_drawn_from_the_allowance():
    data = billing.historics(Decimal("0.1"), 720, sample=10, allowance=1000).data
    assert data["dpu_usage"] == 288
    assert data["allowance"] == {"before": 1000, "drawn": 288, "left": 712, "beyond": 0, "beyond_cost": "0.00"}
    short = billing.historics(Decimal("0.1"), 720, sample=10, allowance=200).data["allowance"]
    assert short == {"before": 200, "drawn": 200, "left": 0, "beyond": 88, "beyond_cost": "17.60"}


def test_historics_draws_shorten_the_streams_allowance():
    plain = billing.subscription([1], allowance=1000, limit=2500).data
    assert plain["allowance_used_up"] is None and plain["excess_dpu_hours"] == 0
    data = billing.subscription([1], allowance=1000, limit=2500, historics=[288]).data
    assert data["historics_dpu"] == 288 and data["allowance_used_up"] == {"hour": 712, "day": 30}
    assert data["excess_dpu_hours"] == 8 and data["excess_cost"] == "1.60"  # 288 + 720 - 1000


def test_a_historics_query_later_in_the_month():
    # 2 DPU on a 1,000 DPU-hour allowance: 200 h use 400; a 700 DPU query at hour 200 leaves -100.
    data = billing.subscription([2], allowance=1000, limit=2500, historics=[(700, 200)]).data
    assert data["allowance_used_up"] == {"hour": 200, "day": 9}
    assert data["excess_dpu_hours"] == 1440 + 700 - 1000


# --- a Historics query stopped midway (item 10) -----------------------------------------------
# DataSift: "you will be charged even if you stop a Historics query midway … for the licensing
# costs of the volume of data retrieved until you stopped the query. The data processing usage
# until you stopped the query will also be deducted".

def test_a_query_stopped_halfway_is_charged_half_the_dpu():
    data = billing.historics(Decimal("0.1"), 720, sample=10, progress=50, objects=606097).data
    assert data["dpu_usage"] == 144 and data["stopped"]["hours_charged"] == 360
    assert data["licence"] == "60.61"  # the objects retrieved until the stop


def test_a_query_stopped_at_a_date():
    start = billing.parse_when("2024-04-01", "start")
    end = billing.parse_when("2024-05-01", "end")
    stop = billing.parse_when("2024-04-16", "stop")
    data = billing.historics(Decimal("0.1"), billing.duration_hours(start, end), sample=10, start=start, end=end,
                             stopped_at=stop).data
    assert data["dpu_usage"] == 144 and data["stopped"]["progress"] == 50


def test_stop_inputs_are_checked():
    with pytest.raises(billing.BillingError, match="0 to 100"):
        billing.historics(1, 10, progress=150)
    with pytest.raises(billing.BillingError, match="not both"):
        start = billing.parse_when("2024-04-01", "s")
        billing.historics(1, 10, progress=5, stopped_at=start, start=start, end=start)
    with pytest.raises(billing.BillingError, match="needs the query's start and end"):
        billing.historics(1, 10, stopped_at=billing.parse_when("2024-04-01", "s"))


# --- one preview per stream (item 10) -----------------------------------------------------------
# DataSift: "Each request has a fixed cost of 20 DPUs … You can only request a single Historics
# Preview per stream; if you request a new one, the previous request is overwritten."

def test_one_preview_per_stream():
    data = billing.preview(["a", "b", "a"]).data
    assert data["requests"] == 3 and data["streams"] == 2
    assert data["replaced"] == [{"stream": "a", "request": 1, "by": 3}]
    assert data["dpu"] == 60 and data["cost"] == "12.00"


def test_a_single_preview():
    data = billing.preview().data
    assert data["dpu"] == 20 and data["cost"] == "4.00" and data["credits"] == "4.00" and data["licence"] == "0.00"
