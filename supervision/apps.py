from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("Electronic supervision")

    def ready(self) -> None:
        # Services import models, which cannot be imported before the app registry is ready.
        from registry.hooks import counter_rated, counter_ratings_asked  # noqa: PLC0415
        from supervision.reviews import selectors as review_selectors  # noqa: PLC0415
        from supervision.reviews import services as review_services  # noqa: PLC0415
        from supervision.warnings import services  # noqa: PLC0415

        services.connect()
        # The hall's rating pads (评价器) write and ask through the registry's hooks (no import of hall).
        counter_rated.connect(review_services.on_counter_rated)
        counter_ratings_asked.connect(review_selectors.on_counter_ratings_asked)
