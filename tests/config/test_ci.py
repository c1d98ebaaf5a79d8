import os

import pytest
from django.conf import settings
from django.db import connection

in_ci = pytest.mark.skipif(not os.environ.get("CI"), reason="only CI promises PostgreSQL and Redis")


@in_ci
@pytest.mark.django_db
def test_ci_runs_the_suite_on_postgresql() -> None:
    assert connection.vendor == "postgresql"


@in_ci
def test_ci_gives_the_worker_tests_a_redis_broker() -> None:
    assert settings.CELERY_BROKER_URL.startswith("redis://")
