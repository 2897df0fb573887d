from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Electronic supervision")

    def ready(self) -> None:
        from supervision import services

        services.connect()
