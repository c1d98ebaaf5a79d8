"""The contacts in the admin: inline on their organization, one primary said as a form error."""

from __future__ import annotations

import pytest
from django.forms import inlineformset_factory
from django.test import Client

from consultations.freshness.admin import ContactFormSet
from consultations.freshness.models import OrganizationContact
from consultations.models import Organization
from tests.consultations.factories import OrganizationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIELDS = ["name", "phone", "is_primary", "is_active"]


def formset_data(*rows: dict[str, str]) -> dict[str, str]:
    data = {
        "contacts-TOTAL_FORMS": str(len(rows)),
        "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data |= {f"contacts-{index}-{name}": value for name, value in row.items()}
    return data


def test_two_new_primary_contacts_are_refused_as_a_form_error() -> None:
    organization = OrganizationFactory()
    FormSet = inlineformset_factory(  # noqa: N806
        Organization, OrganizationContact, formset=ContactFormSet, fields=FIELDS, extra=0
    )
    row = {"phone": "010-0000-1111", "is_primary": "on", "is_active": "on"}

    formset = FormSet(
        formset_data({**row, "name": "가"}, {**row, "name": "나"}), instance=organization
    )

    assert not formset.is_valid()
    assert "주 담당자는 한 명" in str(formset.non_form_errors())


def test_a_contact_phone_must_look_like_a_phone_number() -> None:
    organization = OrganizationFactory()
    FormSet = inlineformset_factory(  # noqa: N806
        Organization, OrganizationContact, formset=ContactFormSet, fields=FIELDS, extra=0
    )

    formset = FormSet(
        formset_data({"name": "가", "phone": "모름", "is_active": "on"}), instance=organization
    )

    assert not formset.is_valid()
    assert "phone" in formset.forms[0].errors


def test_the_organization_page_shows_its_contacts() -> None:
    organization = OrganizationFactory()
    OrganizationContact.objects.create(
        organization=organization, name="김담당", phone="010-0000-2222", is_primary=True
    )
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    page = client.get(f"/admin/consultations/organization/{organization.pk}/change/")

    assert page.status_code == 200
    assert "김담당" in page.content.decode()
