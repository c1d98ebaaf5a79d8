"""Loading the goal structure and the document's figures from ``kpi/data/goals.json``, and
the operational measures (운영 지표) from ``kpi/data/operational_measures.json``.

``goals_load`` is what ``manage.py load_goals`` (and ``make run``) calls. The data file is the
reviewed copy of the source document's goal and plan tables; the database follows it. The
operational measures are the team's own (episodes, schedules, hours), not the document's: a
file of their own, so that the document's file stays the document.
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

from base.models import Program
from kpi.models import (
    Indicator,
    Measure,
    MeasureTarget,
    OperatingGroupProgram,
    StrategicGoal,
    UnitProgram,
    UnitProgramTarget,
)

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "goals.json"
OPERATIONAL_PATH = Path(__file__).resolve().parent / "data" / "operational_measures.json"
# Operational measures sort after the document's measures of their indicator.
OPERATIONAL_SORT_START = 100

ModelT = TypeVar("ModelT", bound=models.Model)

# What a load writes, in loading order (goals first, the 운영 groups last).
LOADED_MODELS: tuple[type[models.Model], ...] = (
    StrategicGoal,
    Indicator,
    Measure,
    MeasureTarget,
    UnitProgram,
    UnitProgramTarget,
    OperatingGroupProgram,
)

# The keys each level of the file may have: a misspelt key fails the load instead of being
# silently ignored (a figure under "reported_actal" would otherwise vanish).
_KEYS = {
    "file": {"source", "plans"},
    "plan": {"year", "goals"},
    "goal": {"number", "name", "indicators"},
    "indicator": {"code", "name", "measures", "unit_programs", "operating_groups"},
    "operating_group": {"group", "programs"},
    "operational_file": {"source", "indicators"},
    "operational_indicator": {"plan_year", "code", "measures"},
    "operational_measure": {"name", "unit", "metric"},
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
def goals_load(
    *, path: Path | None = None, operational_path: Path | None = None
) -> GoalLoadSummary:
    """Create or update every goal, indicator, measure, unit program and target in the file,
    then the operational measures (of ``operational_path``; by default, with the default
    goals file, ``kpi/data/operational_measures.json``).

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
    for model in LOADED_MODELS:
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
    if operational_path is None and path == DEFAULT_PATH:
        operational_path = OPERATIONAL_PATH
    if operational_path is not None:
        _load_operational(summary, seen, operational_path)
    return summary


def _load_operational(summary: GoalLoadSummary, seen: set[tuple[Any, ...]], path: Path) -> None:
    """The operational measures: automatic, without targets, marked ``operational`` so that
    the goal table, the report and the Excel keep printing the document's measures only."""
    data = _read(path, "indicators")
    _check_keys(data, "operational_file", "")
    for i, indicator_data in _items(data, "indicators", ""):
        _check_keys(indicator_data, "operational_indicator", i)
        plan_year = _required(indicator_data, "plan_year", i)
        code = _required(indicator_data, "code", i)
        indicator = Indicator.objects.filter(goal__year=plan_year, code=code).first()
        if indicator is None:
            raise GoalDataError(f"{path.name}: {i}: no indicator {code} in the {plan_year} plan")
        for order, (m, measure_data) in enumerate(
            _items(indicator_data, "measures", i), start=OPERATIONAL_SORT_START
        ):
            _check_keys(measure_data, "operational_measure", m)
            name = _required(measure_data, "name", m)
            with _at(f"{path.name}: {m}", seen, ("measure", indicator.pk, name)):
                _upsert(
                    summary,
                    Measure,
                    {"indicator": indicator, "name": name},
                    {
                        "unit": _required(measure_data, "unit", m),
                        "budget_eok": None,
                        "metric": _required(measure_data, "metric", m),
                        "operational": True,
                        "sort_order": order,
                    },
                )


def _load_operating_groups(
    summary: GoalLoadSummary,
    seen: set[tuple[Any, ...]],
    indicator: Indicator,
    data: Mapping[str, Any],
    where: str,
) -> None:
    """Which programs' records make each 운영 group of the indicator active (4-1 운영사업).
    A group is one of the indicator's unit-program groups; a program is in one group."""
    groups = {program.get("group", "") for program in data.get("unit_programs", [])} - {""}
    programs = dict(Program.objects.values_list("code", "pk"))
    for g, group_data in _items(data, "operating_groups", where):
        _check_keys(group_data, "operating_group", g)
        group = _required(group_data, "group", g)
        if group not in groups:
            raise GoalDataError(f"{g}: '{group}' is none of the unit programs' groups {groups}")
        for code in _required(group_data, "programs", g):
            if code not in programs:
                raise GoalDataError(f"{g}: no program '{code}'")
            # The key is (indicator, program): a program named in two groups is refused here.
            with _at(g, seen, ("operating_program", indicator.pk, code)):
                _upsert(
                    summary,
                    OperatingGroupProgram,
                    {"indicator": indicator, "program_id": programs[code]},
                    {"group": group},
                )


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
    _load_operating_groups(summary, seen, indicator, data, where)
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


def _read(path: Path, required: str = "plans") -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            # Decimals, not floats: 92.3 must stay 92.3 (and 0.168 억원 stay 0.168).
            data = json.load(handle, parse_float=Decimal)
    except (OSError, json.JSONDecodeError) as exc:
        raise GoalDataError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise GoalDataError(f"{path}: the file must hold an object with '{required}'")
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
