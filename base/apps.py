from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BaseConfig(AppConfig):
    """What every app stands on: reference data, the roles, the access and role-change logs.

    It imports no other app of the project, so that any app may import it.
    """

    name = "base"
    verbose_name = _("기준정보·기록")

    def ready(self) -> None:
        from base import signals  # noqa: F401  (connects the role-change log)
