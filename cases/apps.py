from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from cases import services  # noqa: F401  (registers the applicant SMS's outbox handler)

        checks.register(public_writes_check)


def public_writes_check(app_configs, **kwargs) -> list[checks.CheckMessage]:  # noqa: ARG001 - a check's signature
    """`CASE_PUBLIC_WRITES` (env `GOVSERVICE_CASE_PUBLIC_WRITES`) names one of `cases.outbox.MODES`."""
    from cases.outbox import MODES

    if settings.CASE_PUBLIC_WRITES not in MODES:
        return [checks.Error(f"CASE_PUBLIC_WRITES is {settings.CASE_PUBLIC_WRITES!r}",
                             hint=f"GOVSERVICE_CASE_PUBLIC_WRITES: one of {', '.join(MODES)}", id="cases.E001")]
    return []
