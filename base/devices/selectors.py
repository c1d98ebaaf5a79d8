from __future__ import annotations

from django.db.models import QuerySet

from base.devices.models import EnrolledTablet


def tablets_for_desk() -> QuerySet[EnrolledTablet]:
    """Every tablet, enrolled or pending, with who enrolled and revoked it (one query)."""
    return EnrolledTablet.objects.select_related("created_by", "revoked_by")
