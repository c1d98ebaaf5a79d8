"""The visit metrics read from the served-person tables (PostgreSQL).

``kpi.metrics`` asks for the visit metrics of a month or a year in one statement and reads its
rows by tag (``metrics._visit_month``, ``metrics._visit_year``); these build the same rows
from the kept tables instead of reducing the visits. A month reads its own ``ServedPerson``
rows and the year's ``ServedFirst`` rows of the persons first served by then; the year, the
year's rows of both; sums and programs come from ``ServedTotal`` (a row per month, program,
시·군 and area), the median from ``EpisodeFirst``.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from kpi.served.models import ServedKind

# The person metrics: code → the kind counted, and whether a person has one set of keys
# (a recipient: their own) or several (a corps member: the keys of the recipients served).
PERSONS = {
    "recipients_served": (ServedKind.RECIPIENT, True),
    "rural_recipients_served": (ServedKind.RURAL_RECIPIENT, True),
    "corps_members_served": (ServedKind.CORPS_MEMBER, False),
}
AMOUNTS = {"visits": "visits", "delivered_hours": "microseconds"}
GROUPS = "programs_operated"
MEDIAN = "referral_to_first_visit_days"
KEYS = ["kpi_region", "kpi_rural"]


def _month(year: int, month: int) -> date:
    """The first day of a month (13: of January next year)."""
    return date(year + 1, 1, 1) if month == 13 else date(year, month, 1)


def _person_month_parts(code: str, year: int, month: int) -> tuple[str, tuple]:
    """(kpi_g, keys, month's value, year to date) of a person metric."""
    from kpi import metrics

    kind, own_keys = PERSONS[code]
    served = (
        "SELECT person_id AS kpi_person, region_id AS kpi_region, is_rural AS kpi_rural, "
        "1 AS kpi_in FROM kpi_servedperson WHERE kind = %s AND month = %s "
        "UNION ALL SELECT person_id, region_id, is_rural, 0 FROM kpi_servedfirst "
        "WHERE kind = %s AND year = %s AND first_month <= %s"
    )
    params = (int(kind), _month(year, month), int(kind), year, month)
    if own_keys:
        # One row per person on each side: the month's persons are those of its rows, the
        # year's those first served by the month (the month's are among them). Counted per
        # (시·군, area) first, so that the grouping sets add up a few dozen rows, not hash
        # every person three times.
        served = (
            "SELECT kpi_region, kpi_rural, SUM(kpi_in) AS kpi_in, "  # noqa: S608
            f"COUNT(*) - SUM(kpi_in) AS kpi_ytd FROM ({served}) s GROUP BY kpi_region, kpi_rural"
        )
        select = "SUM(kpi_in), SUM(kpi_ytd)"
    else:
        select = (
            "COUNT(DISTINCT CASE WHEN kpi_in = 1 THEN kpi_person END), COUNT(DISTINCT kpi_person)"
        )
    return metrics._tagged(code, metrics._grouping_sets((served, params), [], KEYS, select), "*")


def _person_year_parts(code: str, year: int, through: int) -> list[tuple[str, tuple]]:
    """A person metric's value in each month (tag ``code``) and how many were first served
    in each month (``code:first``)."""
    from kpi import metrics

    kind, own_keys = PERSONS[code]
    monthly = (
        "SELECT CAST(EXTRACT(MONTH FROM month) AS INTEGER) AS kpi_m, person_id AS kpi_person, "
        "region_id AS kpi_region, is_rural AS kpi_rural FROM kpi_servedperson "
        "WHERE kind = %s AND month >= %s AND month <= %s"
    )
    monthly_params = (int(kind), _month(year, 1), _month(year, through))
    firsts = (
        "SELECT first_month AS kpi_m, person_id AS kpi_person, region_id AS kpi_region, "
        "is_rural AS kpi_rural FROM kpi_servedfirst "
        "WHERE kind = %s AND year = %s AND first_month <= %s"
    )
    firsts_params = (int(kind), year, through)
    if own_keys:
        counted = metrics._grouping_sets((monthly, monthly_params), ["kpi_m"], KEYS, "COUNT(*)")
        first = metrics._grouping_sets((firsts, firsts_params), ["kpi_m"], KEYS, "COUNT(*)")
    else:
        counted = metrics._grouping_sets(
            (monthly, monthly_params), ["kpi_m"], KEYS, "COUNT(DISTINCT kpi_person)"
        )
        # A corps member's first month under a key is the earliest of their rows with it.
        per_set, params = metrics._grouping_sets(
            (firsts, firsts_params), ["kpi_person"], KEYS, "MIN(kpi_m) AS kpi_first"
        )
        first = (
            "SELECT kpi_g, kpi_region, kpi_rural, kpi_first, COUNT(*) "  # noqa: S608
            f"FROM ({per_set}) p GROUP BY kpi_g, kpi_region, kpi_rural, kpi_first",
            params,
        )
    return [metrics._tagged(code, counted, "*"), metrics._tagged(f"{code}:first", first, "*")]


def _totals(year: int, through: int) -> tuple[str, tuple]:
    return (
        "SELECT CAST(EXTRACT(MONTH FROM month) AS INTEGER) AS kpi_m, program_id, "
        "region_id AS kpi_region, is_rural AS kpi_rural, visits, microseconds "
        "FROM kpi_servedtotal WHERE month >= %s AND month <= %s",
        (_month(year, 1), _month(year, through)),
    )


def _medians(year: int, through: int) -> dict[int, tuple[float | None, float | None]]:
    """Month → (median days from referral to first visit of the episodes first visited in
    the month, and of those of the year so far), as ``percentile_cont(0.5)`` gives them.

    From a histogram: days are whole numbers, so the episodes of the year group into a few
    hundred (month, days) rows, and the middle of each month's and each year-to-date's
    distribution is found by walking them, instead of sorting every episode twice."""
    from kpi import metrics

    # Grouped by the two dates as stored (a few thousand pairs): month and days are then taken
    # in Python, which costs less than computing them in SQL for every episode.
    rows = metrics._fetch(
        "SELECT first_on, referred_on, COUNT(*) FROM kpi_episodefirst "
        "WHERE first_on >= %s AND first_on < %s GROUP BY 1, 2",
        (_month(year, 1), _month(year, through + 1)),
    )
    by_month: dict[int, Counter[int]] = {m: Counter() for m in range(1, through + 1)}
    for first_on, referred_on, n in rows:
        by_month[first_on.month][(first_on - referred_on).days] += n
    found: dict[int, tuple[float | None, float | None]] = {}
    so_far: Counter[int] = Counter()
    for m in range(1, through + 1):
        so_far.update(by_month[m])
        found[m] = (_middle(by_month[m]), _middle(so_far))
    return found


def _middle(histogram: Counter[int]) -> float | None:
    """The median of a histogram: the middle value, or the mean of the two middle values."""
    total = sum(histogram.values())
    if not total:
        return None
    ranks = [(total + 1) // 2, (total + 2) // 2]  # 1-based, equal when ``total`` is odd
    values: list[int] = []
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        while ranks and ranks[0] <= seen:
            values.append(days)
            ranks.pop(0)
        if not ranks:
            break
    return sum(values) / 2


def month_parts(codes: set[str], year: int, month: int) -> list[tuple[str, tuple]]:
    """Parts of (tag, kpi_g, region, rural, month's value, year to date), as
    ``metrics._visit_parts`` gives for a month."""
    from kpi import metrics

    parts = [_person_month_parts(code, year, month) for code in sorted(codes & set(PERSONS))]
    totals, params = _totals(year, month)
    for code in sorted(codes & set(AMOUNTS)):
        column = AMOUNTS[code]
        summed = metrics._grouping_sets(
            (totals, params),
            [],
            KEYS,
            f"SUM(CASE WHEN kpi_m = {int(month)} THEN {column} ELSE 0 END), SUM({column})",
        )
        parts.append(metrics._tagged(code, summed, "*"))
    if GROUPS in codes:
        ran = (
            f"SELECT program_id, MAX(CASE WHEN kpi_m = {int(month)} THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM ({totals}) t WHERE visits > 0 GROUP BY program_id",
            params,
        )
        parts.append(metrics._tagged(GROUPS, ran, "NULL, NULL, NULL, t.*"))
    if MEDIAN in codes:
        value, ytd = _medians(year, month)[month]
        parts.append(
            (
                f"SELECT '{MEDIAN}', NULL, NULL, NULL, "
                "CAST(%s AS double precision), CAST(%s AS double precision)",
                (value, ytd),
            )
        )
    return parts


def year_parts(codes: set[str], year: int, through: int) -> list[tuple[str, tuple]]:
    """Parts of (tag, kpi_g, region, rural, month, value), as ``metrics._visit_parts`` gives
    for the year."""
    from kpi import metrics

    parts = []
    for code in sorted(codes & set(PERSONS)):
        parts += _person_year_parts(code, year, through)
    totals, params = _totals(year, through)
    for code in sorted(codes & set(AMOUNTS)):
        summed = metrics._grouping_sets((totals, params), ["kpi_m"], KEYS, f"SUM({AMOUNTS[code]})")
        parts.append(metrics._tagged(code, summed, "*"))
    if GROUPS in codes:
        ran = (
            f"SELECT program_id, kpi_m FROM ({totals}) t "  # noqa: S608
            "WHERE visits > 0 GROUP BY program_id, kpi_m",
            params,
        )
        parts.append(metrics._tagged(GROUPS, ran, "NULL, NULL, NULL, t.*"))
    if MEDIAN in codes:
        for m, (value, ytd) in _medians(year, through).items():
            for tag, figure in ((MEDIAN, value), (f"{MEDIAN}:ytd", ytd)):
                parts.append(
                    (
                        f"SELECT '{tag}', NULL, NULL, NULL, {int(m)}, CAST(%s AS double precision)",
                        (figure,),
                    )
                )
    return parts
