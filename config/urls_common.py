"""URLs served on every host: sign-in, language switch, health, metrics, API schema and docs."""
import threading
from collections.abc import Callable
from functools import wraps

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.urls import include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from catalog.views import form_download
from config.metrics import metrics
from config.views import favicon, health
from tenants import views
from tenants.selectors import user_is_platform_admin


class HostSchemaView(SpectacularAPIView):
    """The OpenAPI schema of the host asked: the platform's API on the bare domain, a centre's
    API on a centre's host (they have different URL confs)."""

    #: drf-spectacular's generator keeps state in module globals while it builds: two builds at once in one
    #: process (a threaded server, the first requests after a start) fail with a 500. One at a time.
    build_lock = threading.Lock()

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        self.urlconf = getattr(request, "urlconf", None)
        with self.build_lock:
            return super().get(request, *args, **kwargs)


#: Swagger UI and Redoc (third-party pages) start themselves with inline script and style: they alone get
#: 'unsafe-inline', and Redoc a blob: worker. Every page of ours runs with the strict policy.
DOCS_CSP = {"script-src": [UNSAFE_INLINE], "style-src": [UNSAFE_INLINE], "img-src": ["data:"],
            "worker-src": [SELF, "blob:"]}


def api_docs_gate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The API's schema and docs: open to anyone when GOVSERVICE_PUBLIC_API_DOCS is on (development), else
    only to signed-in staff (platform administrators, Django staff); others go to sign in or get 403."""

    @wraps(view)
    def gated(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not settings.GOVSERVICE_PUBLIC_API_DOCS:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_staff or user_is_platform_admin(user=user)):
                raise PermissionDenied
        return view(request, *args, **kwargs)

    return gated


common_patterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", health, name="health"),
    path("metrics", metrics, name="metrics"),  # Prometheus; a token or an allowed network (config/metrics.py)
    path("favicon.ico", favicon, name="favicon"),
    path("progress/", include("registry.urls")),
    path("forms/<int:form_id>/", form_download, name="catalog-form"),  # an item's forms: public, on every host
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/handoff/begin/", views.handoff_begin, name="handoff-begin"),
    path("accounts/handoff/", views.handoff, name="handoff"),
    path("accounts/two-step/", views.second_factor, name="second-factor"),
    path("api/schema/", api_docs_gate(HostSchemaView.as_view()), name="schema"),
    path("api/docs/", api_docs_gate(csp_update(DOCS_CSP)(SpectacularSwaggerView.as_view(url_name="schema"))),
         name="api-docs"),
    path("api/redoc/", api_docs_gate(csp_update(DOCS_CSP)(SpectacularRedocView.as_view(url_name="schema"))),
         name="api-redoc"),
]
