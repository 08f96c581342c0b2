"""What running filters costs in money: on-demand streams (and a credit balance running down),
monthly subscriptions with their variable cost limit, Historics queries and previews.

Every constant comes from the pricing table (``csdl.billing.pricing``). Quantities are exact
``Decimal`` values; every amount given is an int, a Decimal or a decimal string and is never
negative (``BillingError`` otherwise). Each function returns a ``Bill``: an ordered list of
labelled lines for the table renderer plus the JSON payload (money as 2-decimal strings, DPU
rounded to 4 places).

DataSift's billing pages give the rules; where they leave a gap the choice is ours, marked
``[decision: …]`` where it is made and documented as ours in docs/billing.md.
"""

from __future__ import annotations

from csdl.billing.bill import (
    Bill, BillingError, billed_dpu, credits_for, day_of, duration_hours, licence_rate, parse_when,
)
from csdl.billing.credits import credit_balance
from csdl.billing.historics import historics, preview
from csdl.billing.stream import stream
from csdl.billing.subscription import subscription

__all__ = [
    "Bill", "BillingError", "billed_dpu", "credit_balance", "credits_for", "day_of", "duration_hours", "historics",
    "licence_rate", "parse_when", "preview", "stream", "subscription",
]
