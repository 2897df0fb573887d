from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Electronic supervision")

    def ready(self) -> None:
        # Services import models, which cannot be imported before the app registry is ready.
        from supervision.warnings import services  # noqa: PLC0415

        services.connect()
