from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HallConfig(AppConfig):
    name = "hall"
    verbose_name = _("Hall")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hall import listeners  # noqa: F401  (answers the calendar's hook)
