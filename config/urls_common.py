"""URLs served on every host: sign-in, language switch, health, API schema and docs."""
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.views import health
from tenants import views


class HostSchemaView(SpectacularAPIView):
    """The OpenAPI schema of the host asked: the platform's API on the bare domain, a centre's
    API on a centre's host (they have different URL confs)."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        self.urlconf = getattr(request, "urlconf", None)
        return super().get(request, *args, **kwargs)


common_patterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", health, name="health"),
    path("progress/", include("registry.urls")),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/handoff/", views.handoff, name="handoff"),
    path("api/schema/", HostSchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]
