"""The direction of dependency between the apps (docs/architecture.md), read from the code.

base stands below every app and imports none; volunteers stands on base; care on base and
volunteers; consultations on those three; kpi reads them all and nobody reads kpi. ``config``
is the plumbing (settings, the API's permissions and error format) any app but base may use.
Migrations are left out: a migration names the apps of its time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PROJECT = {"base", "care", "volunteers", "consultations", "kpi", "config"}

ALLOWED = {
    "base": set(),
    "volunteers": {"base", "config"},
    "care": {"base", "volunteers", "config"},
    "consultations": {"base", "care", "volunteers", "config"},
    "kpi": {"base", "care", "volunteers", "consultations", "config"},
}


def imported_apps(app: str) -> dict[str, set[str]]:
    """Every project app that a module of ``app`` imports, at the top or inside a function."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in PROJECT and top != app:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_app_imports_only_the_apps_below_it(app: str) -> None:
    forbidden = {
        other: sorted(paths)
        for other, paths in imported_apps(app).items()
        if other not in ALLOWED[app]
    }

    assert forbidden == {}


def test_base_imports_no_project_app_at_all() -> None:
    assert imported_apps("base") == {}


@pytest.mark.parametrize("app", ["base", "care", "volunteers", "consultations", "config"])
def test_nobody_imports_kpi(app: str) -> None:
    # config/urls.py mounts kpi's pages by dotted string (include("kpi.urls")), not by import.
    assert "kpi" not in imported_apps(app)


def test_care_imports_volunteers_at_the_top_of_its_modules() -> None:
    """No more lazy imports between care and volunteers: the dependency goes one way."""
    lazy = []
    for path in sorted((ROOT / "care").rglob("*.py")):
        if "migrations" in path.relative_to(ROOT).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = set(map(id, tree.body))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and (node.module or "").startswith("volunteers")
                and id(node) not in top_level
            ):
                lazy.append(f"{path.relative_to(ROOT)}:{node.lineno}")

    assert lazy == []
