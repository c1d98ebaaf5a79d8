from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("상담")

    def ready(self) -> None:
        from consultations import signals  # noqa: F401  (search text follows region names)
