"""The commune risk level (cấp độ dịch, 1-4), from new community cases per 100,000 people
over 7 days and vaccination coverage.

- The rate ``community cases in the last 7 days * 100,000 / population`` gives the level:
  below the first of ``OPERATIONS_RISK_RATES`` level 1, then 2, 3 and, at or above the
  last, 4 (defaults 20, 50, 150, as the Ministry of Health's guidance of 2021-2022).
- A coverage at or above ``OPERATIONS_RISK_COVERAGE_LOWERS`` lowers the level by one (never
  below 1). A ward without a target population has no coverage: nothing is lowered, and
  the level follows the case rate alone (the cautious reading).
- Without a population the rate, and so the level, is unknown (None).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings


def rate_per_100k(cases_7d: int, population: int | None) -> Decimal | None:
    if not population:
        return None
    return (Decimal(cases_7d) * 100_000 / Decimal(population)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def risk_level(rate: Decimal | None, coverage: Decimal | None) -> int | None:
    if rate is None:
        return None
    level = 1 + sum(1 for threshold in settings.OPERATIONS_RISK_RATES if rate >= Decimal(str(threshold)))
    if coverage is not None and coverage >= Decimal(str(settings.OPERATIONS_RISK_COVERAGE_LOWERS)):
        level = max(1, level - 1)
    return min(level, 4)
