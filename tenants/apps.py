from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Centres")

    def ready(self) -> None:
        from tenants import signin  # noqa: F401, PLC0415 - connects its user_logged_in receiver
