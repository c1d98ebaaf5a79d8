"""Reference data (regions, service types, programs), read-only, by ``code``."""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets

from base.models import Program, Region, ServiceType
from base.serializers import ProgramSerializer, ReferenceDataSerializer


class ReferenceDataViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    pagination_class = None
    search_fields = ["code", "name", "name_en"]

    def get_queryset(self) -> Any:
        return self.queryset.filter(is_active=True)  # type: ignore[union-attr]


class RegionViewSet(ReferenceDataViewSet):
    """시·군 (regions)."""

    queryset = Region.objects.all()
    serializer_class = ReferenceDataSerializer


class ServiceTypeViewSet(ReferenceDataViewSet):
    """돌봄서비스 유형 (service types)."""

    queryset = ServiceType.objects.all()
    serializer_class = ReferenceDataSerializer


class ProgramViewSet(ReferenceDataViewSet):
    """사업 (programs)."""

    queryset = Program.objects.all()
    serializer_class = ProgramSerializer
