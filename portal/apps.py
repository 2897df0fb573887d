from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Online service hall")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The answer to a question asked from an account is told by SMS (supervision imports no portal).
        from portal.services_ask import on_inquiry_answered  # noqa: PLC0415
        from supervision.reviews.hooks import inquiry_answered  # noqa: PLC0415

        inquiry_answered.connect(on_inquiry_answered)
