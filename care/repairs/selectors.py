"""Reads of home-repair jobs: the list with its totals, one job with everything its page shows,
and the year's aggregates (counts only, for managers)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from care.repairs.models import RepairItem, RepairJob, RepairJobTransition, RepairPhoto


def _items_total() -> Coalesce:
    # A subquery, not a join: a join with the items would multiply the photo counts.
    total = (
        RepairItem.objects.filter(job=OuterRef("pk"))
        .order_by()
        .values("job")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), 0)


def _photo_count(stage: str) -> Coalesce:
    count = (
        RepairPhoto.objects.filter(job=OuterRef("pk"), stage=stage)
        .order_by()
        .values("job")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(count, output_field=IntegerField()), 0)


def job_list(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[RepairJob]:
    """The jobs a user may read, with their household, contractor, items' total and photos."""
    return (
        RepairJob.objects.visible_to(user)
        .select_related("recipient__region", "contractor")
        .annotate(
            items_total=_items_total(),
            photos_before=_photo_count(RepairPhoto.Stage.BEFORE),
            photos_after=_photo_count(RepairPhoto.Stage.AFTER),
        )
        .order_by("-surveyed_on", "-id")
    )


def job_detail_queryset(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[RepairJob]:
    """One job with its items, photos and history."""
    return (
        job_list(user=user)
        .select_related("episode", "surveyed_by", "created_by")
        .prefetch_related(
            Prefetch("items", queryset=RepairItem.objects.order_by("sort_order", "id")),
            Prefetch(
                "photos",
                queryset=RepairPhoto.objects.select_related("uploaded_by").order_by(
                    "stage", "uploaded_at", "id"
                ),
            ),
            Prefetch(
                "transitions",
                queryset=RepairJobTransition.objects.select_related("by").order_by("at", "id"),
            ),
        )
    )


def photo_for(*, user: AbstractBaseUser | AnonymousUser, pk: int) -> RepairPhoto | None:
    """A photo the user may see (through its job), or None."""
    return (
        RepairPhoto.objects.filter(pk=pk, job__in=RepairJob.objects.visible_to(user))
        .select_related("job__recipient")
        .first()
    )


def jobs_summary(*, year: int) -> dict[str, Any]:
    """The year's jobs in figures only (no person): by state, households completed, money."""
    in_year = Q(surveyed_on__year=year) | Q(completed_on__year=year)
    rows = RepairJob.objects.filter(in_year)
    by_state = dict(rows.order_by().values_list("state").annotate(n=Count("id")))
    completed = RepairJob.objects.completed().filter(completed_on__year=year)
    money = completed.aggregate(total=Sum("quote_amount"))
    return {
        "year": year,
        "by_state": {state: by_state.get(state, 0) for state in RepairJob.State.values},
        "households_completed": completed.values("recipient").distinct().count(),
        "quoted_amount_completed": int(money["total"] or 0),
    }
