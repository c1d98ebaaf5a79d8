from __future__ import annotations

from typing import Any

from rest_framework import serializers, status, viewsets
from rest_framework.response import Response


class ServiceWriteViewSet(viewsets.ModelViewSet):
    """A model viewset whose writes go through the owning app's services.

    Subclasses implement ``create_object``, ``update_object`` and ``delete_object`` (each a
    one-line call of a service) and read through a selector in ``get_queryset``. The
    response is always rendered from the object as re-read through the selector, so that
    annotations and prefetches are the same as on reads.
    """

    read_serializer_class: type[serializers.Serializer] | None = None

    def create_object(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def update_object(self, instance: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def delete_object(self, instance: Any) -> None:
        raise NotImplementedError

    def _render(self, instance: Any, status_code: int) -> Response:
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(instance).data, status=status_code)

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.create_object(dict(serializer.validated_data))
        return self._render(instance, status.HTTP_201_CREATED)

    def update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = self.update_object(instance, dict(serializer.validated_data))
        return self._render(instance, status.HTTP_200_OK)

    def destroy(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        self.delete_object(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
