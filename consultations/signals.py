"""Keep the directory's search text in step with the names it is made of."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from base.models import Region
from consultations.models import WelfareResource
from consultations.services import resource_refresh_search_text


@receiver(post_save, sender=Region)
def refresh_search_text_of_region(sender: Any, instance: Region, created: bool, **_: Any) -> None:
    # A renamed 시·군 must still be found by its new name ("장수" finds 장수군's resources).
    if created:
        return
    resources = (
        WelfareResource.objects.filter(regions=instance)
        .select_related("organization", "category")
        .prefetch_related("regions")
    )
    for resource in resources:
        resource_refresh_search_text(resource)
