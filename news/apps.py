"""News and policy changes (工作动态) of each centre: posts its administrators write, its Atom feed, the
latest on its home page, the city's list on the platform's site; and the "procedure changed" post written
by itself when a new item version takes effect (a listener on `catalog.hooks.version_published`)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "news"
    verbose_name = _("News and policy changes")

    def ready(self) -> None:
        from catalog.hooks import version_published  # noqa: PLC0415
        from news.listeners import procedure_changed  # noqa: PLC0415

        version_published.connect(procedure_changed)
