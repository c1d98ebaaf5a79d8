"""Celery finds an app's tasks in ``<app>.tasks``; the compliance package's are imported here."""

from volunteers.compliance import tasks as compliance_tasks  # noqa: F401
