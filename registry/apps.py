"""The shared case registry (办件登记簿): one public row per case, linking cases across centres; what
the city, supervision and the public read."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Case registry")

    def ready(self) -> None:
        from registry import listeners, recompute

        listeners.connect()
        recompute.connect()
