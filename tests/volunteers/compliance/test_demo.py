"""The demo's compliance records: everyone holds every requirement, two items lapse within
30 days, one has lapsed; loading again adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import CorpsMemberFactory, UserFactory
from volunteers.compliance import selectors
from volunteers.compliance.demo import compliance_demo_lapse, compliance_demo_load
from volunteers.models import ComplianceRecord, ComplianceRequirement

pytestmark = pytest.mark.django_db


def test_the_demo_records_show_two_expiring_and_one_lapsed_member() -> None:
    members = [CorpsMemberFactory(compliant=False, name=f"데모{n}") for n in range(6)]
    actor: Any = UserFactory(roles=["coordinator"])

    made = compliance_demo_load(actor=actor, members=members)
    lapsed = compliance_demo_lapse(members=members)

    assert made == len(members) * ComplianceRequirement.objects.count()
    assert lapsed is True
    rows = selectors.warning_list(user=actor)
    assert sorted((row.blocked, row.corps_member.name) for row in rows) == [
        (False, "데모1"),
        (False, "데모2"),
        (True, "데모5"),
    ]


def test_loading_the_demo_records_again_adds_and_changes_nothing() -> None:
    members = [CorpsMemberFactory(compliant=False, name=f"데모{n}") for n in range(5)]
    actor: Any = UserFactory(roles=["coordinator"])
    compliance_demo_load(actor=actor, members=members)
    compliance_demo_lapse(members=members)
    before = list(ComplianceRecord.objects.values_list("pk", "done_on", "expires_on"))

    assert compliance_demo_load(actor=actor, members=members) == 0
    assert compliance_demo_lapse(members=members) is False
    assert list(ComplianceRecord.objects.values_list("pk", "done_on", "expires_on")) == before
