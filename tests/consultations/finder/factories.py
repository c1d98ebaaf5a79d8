"""Public resources for the finder's tests, made through ``services.resource_save``."""

from __future__ import annotations

from typing import Any

from consultations.models import EligibilityTag, WelfareResource
from tests.consultations.consultation_factories import WelfareResourceFactory, category


def tag(code: str) -> EligibilityTag:
    return EligibilityTag.objects.get(code=code)


def public_resource(**kwargs: Any) -> WelfareResource:
    """A published, active resource; ``tags`` takes eligibility tag codes."""
    tags = [tag(code) for code in kwargs.pop("tags", ())]
    if "category" in kwargs and isinstance(kwargs["category"], str):
        kwargs["category"] = category(kwargs["category"])
    kwargs.setdefault("phone", "063-123-4567")
    kwargs.setdefault("summary", "한 줄 소개")
    return WelfareResourceFactory(eligibility_tags=tags, **kwargs)
