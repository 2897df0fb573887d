from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegationConfig(AppConfig):
    name = "delegation"
    verbose_name = _("Delegation")

    def ready(self) -> None:
        from cases.hooks import case_page
        from delegation.listeners import on_case_page

        case_page.connect(on_case_page)
