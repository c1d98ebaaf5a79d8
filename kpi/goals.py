"""Loading the goal structure and the document's figures from ``kpi/data/goals.json``.

``goals_load`` is what ``manage.py load_goals`` (and ``make run``) calls. The data file is the
reviewed copy of the source document's goal and plan tables; the database follows it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from kpi.models import (
    Indicator,
    Measure,
    MeasureTarget,
    StrategicGoal,
    UnitProgram,
    UnitProgramTarget,
)

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "goals.json"

ModelT = TypeVar("ModelT", bound=models.Model)

# The keys each level of the file may have: a misspelt key fails the load instead of being
# silently ignored (a figure under "reported_actal" would otherwise vanish).
_KEYS = {
    "file": {"source", "plans"},
    "plan": {"year", "goals"},
    "goal": {"number", "name", "indicators"},
    "indicator": {"code", "name", "measures", "unit_programs"},
    "measure": {"name", "unit", "budget_eok", "metric", "targets"},
    "measure_target": {
        "year",
        "target",
        "target_text",
        "reported_prior_actual",
        "reported_prior_target",
        "reported_prior_text",
        "reported_prior_rate_text",
        "reported_actual",
        "reported_actual_text",
        "reported_rate_text",
    },  # fmt: skip
    "unit_program": {"group", "name", "unit", "metric", "note", "targets"},
    "unit_program_target": {
        "year",
        "target",
        "target_text",
        "reported_actual",
        "reported_actual_text",
    },  # fmt: skip
}


class GoalDataError(ValueError):
    """The data file is malformed; the message says where."""


@dataclass
class RowCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class GoalLoadSummary:
    path: Path
    # Keyed by model class, in loading order (goals first, unit-program targets last).
    rows: dict[type[models.Model], RowCounts] = field(default_factory=dict)

    @property
    def created(self) -> int:
        return sum(counts.created for counts in self.rows.values())

    @property
    def updated(self) -> int:
        return sum(counts.updated for counts in self.rows.values())

    @property
    def unchanged(self) -> int:
        return sum(counts.unchanged for counts in self.rows.values())


@transaction.atomic
def goals_load(*, path: Path | None = None) -> GoalLoadSummary:
    """Create or update every goal, indicator, measure, unit program and target in the file.

    Rows are found by their natural keys ((year, number), (goal, code), (indicator, name),
    (measure, year), (indicator, group, name), (unit program, year)), so a second run changes
    nothing. Rows that are not in the file are never touched and never deleted: targets an
    administrator adds for later years (2026 and on) or measures added by hand survive every
    load. A row that *is* in the file is set back to the file's figures. One transaction: a
    bad file loads nothing.
    """
    path = path or DEFAULT_PATH
    data = _read(path)
    summary = GoalLoadSummary(path=path)
    for model in (StrategicGoal, Indicator, Measure, MeasureTarget, UnitProgram, UnitProgramTarget):
        summary.rows[model] = RowCounts()
    seen: set[tuple[Any, ...]] = set()

    _check_keys(data, "file", "")
    for p, plan in _items(data, "plans", ""):
        _check_keys(plan, "plan", p)
        plan_year = _required(plan, "year", p)
        for g, goal_data in _items(plan, "goals", p):
            _check_keys(goal_data, "goal", g)
            number = _required(goal_data, "number", g)
            with _at(g, seen, ("goal", plan_year, number)):
                goal = _upsert(
                    summary,
                    StrategicGoal,
                    {"year": plan_year, "number": number},
                    {"name": _required(goal_data, "name", g)},
                )
            for i_order, (i, indicator_data) in enumerate(
                _items(goal_data, "indicators", g), start=1
            ):
                _load_indicator(summary, seen, goal, indicator_data, i, i_order)
    return summary


def _load_indicator(
    summary: GoalLoadSummary,
    seen: set[tuple[Any, ...]],
    goal: StrategicGoal,
    data: Mapping[str, Any],
    where: str,
    sort_order: int,
) -> None:
    _check_keys(data, "indicator", where)
    code = _required(data, "code", where)
    with _at(where, seen, ("indicator", goal.pk, code)):
        indicator = _upsert(
            summary,
            Indicator,
            {"goal": goal, "code": code},
            {"name": _required(data, "name", where), "sort_order": sort_order},
        )
    for m_order, (m, measure_data) in enumerate(_items(data, "measures", where), start=1):
        _check_keys(measure_data, "measure", m)
        name = _required(measure_data, "name", m)
        with _at(m, seen, ("measure", indicator.pk, name)):
            measure = _upsert(
                summary,
                Measure,
                {"indicator": indicator, "name": name},
                {
                    "unit": _required(measure_data, "unit", m),
                    "budget_eok": _decimal(measure_data.get("budget_eok")),
                    "metric": measure_data.get("metric", ""),
                    "sort_order": m_order,
                },
            )
        for t, target in _items(measure_data, "targets", m):
            _check_keys(target, "measure_target", t)
            year = _required(target, "year", t)
            with _at(t, seen, ("measure_target", measure.pk, year)):
                _upsert(
                    summary,
                    MeasureTarget,
                    {"measure": measure, "year": year},
                    {
                        "target": _decimal(_required(target, "target", t)),
                        "target_text": target.get("target_text", ""),
                        "reported_prior_actual": _decimal(target.get("reported_prior_actual")),
                        "reported_prior_target": _decimal(target.get("reported_prior_target")),
                        "reported_prior_text": target.get("reported_prior_text", ""),
                        "reported_prior_rate_text": target.get("reported_prior_rate_text", ""),
                        "reported_actual": _decimal(target.get("reported_actual")),
                        "reported_actual_text": target.get("reported_actual_text", ""),
                        "reported_rate_text": target.get("reported_rate_text", ""),
                    },
                )
    for u_order, (u, program_data) in enumerate(_items(data, "unit_programs", where), start=1):
        _check_keys(program_data, "unit_program", u)
        group = program_data.get("group", "")
        name = _required(program_data, "name", u)
        with _at(u, seen, ("unit_program", indicator.pk, group, name)):
            unit_program = _upsert(
                summary,
                UnitProgram,
                {"indicator": indicator, "group": group, "name": name},
                {
                    "unit": program_data.get("unit", ""),
                    "metric": program_data.get("metric", ""),
                    "note": program_data.get("note", ""),
                    "sort_order": u_order,
                },
            )
        for t, target in _items(program_data, "targets", u):
            _check_keys(target, "unit_program_target", t)
            year = _required(target, "year", t)
            with _at(t, seen, ("unit_program_target", unit_program.pk, year)):
                _upsert(
                    summary,
                    UnitProgramTarget,
                    {"unit_program": unit_program, "year": year},
                    {
                        "target": _decimal(target.get("target")),
                        "target_text": target.get("target_text", ""),
                        "reported_actual": _decimal(target.get("reported_actual")),
                        "reported_actual_text": target.get("reported_actual_text", ""),
                    },
                )


def _upsert(
    summary: GoalLoadSummary,
    model: type[ModelT],
    lookup: dict[str, Any],
    values: dict[str, Any],
) -> ModelT:
    """``update_or_create`` that saves only when a value differs, and counts what it did."""
    counts = summary.rows[model]
    # No ordering: Meta.ordering would join the parents into every lookup.
    instance = model._default_manager.filter(**lookup).order_by().first()
    if instance is None:
        instance = model(**lookup, **values)
        _validate(instance, lookup)
        instance.save()
        counts.created += 1
        return instance
    # Decimal("0.130") from the database equals Decimal("0.13") from the file.
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if not changed:
        counts.unchanged += 1
        return instance
    for name in changed:
        setattr(instance, name, values[name])
    _validate(instance, lookup)
    instance.save(update_fields=changed)
    counts.updated += 1
    return instance


def _validate(instance: models.Model, lookup: dict[str, Any]) -> None:
    """``full_clean`` without the checks that cost a query each and cannot fail here.

    The parent (a foreign key in ``lookup``) was saved a moment ago, the natural key was just
    looked up and the file has no row twice (``_at``); the check constraints are enforced by
    the database on save, and ``_at`` reports a violation with its place in the file.
    """
    parents = {name for name, value in lookup.items() if isinstance(value, models.Model)}
    instance.full_clean(exclude=parents, validate_unique=False, validate_constraints=False)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            # Decimals, not floats: 92.3 must stay 92.3 (and 0.168 억원 stay 0.168).
            data = json.load(handle, parse_float=Decimal)
    except (OSError, json.JSONDecodeError) as exc:
        raise GoalDataError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise GoalDataError(f"{path}: the file must hold an object with 'plans'")
    return data


def _items(data: Mapping[str, Any], key: str, where: str) -> Iterator[tuple[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise GoalDataError(f"{where}.{key}: a list was expected".lstrip("."))
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise GoalDataError(f"{where}.{key}[{index}]: an object was expected".lstrip("."))
        yield f"{where}.{key}[{index}]".lstrip("."), item


def _check_keys(data: Mapping[str, Any], level: str, where: str) -> None:
    unknown = sorted(set(data) - _KEYS[level])
    if unknown:
        raise GoalDataError(f"{where or 'file'}: unknown keys {unknown}")


def _required(data: Mapping[str, Any], key: str, where: str) -> Any:
    if data.get(key) in (None, ""):
        raise GoalDataError(f"{where}: '{key}' is required")
    return data[key]


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"{value!r} is not a number")
    return Decimal(value)


@contextmanager
def _at(where: str, seen: set[tuple[Any, ...]], key: tuple[Any, ...]) -> Iterator[None]:
    """Name the place in the file in any error, and refuse a row the file holds twice."""
    if key in seen:
        raise GoalDataError(f"{where}: the same row appears twice in the file")
    seen.add(key)
    try:
        yield
    except ValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        raise GoalDataError(f"{where}: {detail}") from exc
    except IntegrityError as exc:
        raise GoalDataError(f"{where}: {exc}") from exc
    except TypeError as exc:
        raise GoalDataError(f"{where}: {exc}") from exc
