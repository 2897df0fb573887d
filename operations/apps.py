from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """Operating the platform from `manage.py`: backup and restore of the whole platform, moving a centre
    between platform instances (运维). No models: it reads and writes the other apps' tables."""

    name = "operations"
    verbose_name = _("Operations")
