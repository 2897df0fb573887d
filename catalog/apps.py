from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("Item catalogue")

    def ready(self) -> None:
        checks.register(fallback_faces_check)


def fallback_faces_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:  # noqa: ARG001
    """The guide book's fallback faces come from Debian's packages: say when they are missing."""
    from common.glyphs import FALLBACK_PACKAGES, missing_fallback_faces  # noqa: PLC0415

    missing = missing_fallback_faces()
    if not missing:
        return []
    return [checks.Warning(
        f"The guide book's fallback fonts {', '.join(missing)} are not installed: the characters of the CJK "
        "extensions only they have (e.g. U+21243) are refused in item names and other printed text.",
        hint=f"apt-get install {' '.join(FALLBACK_PACKAGES)}", id="catalog.W001")]
