"""URLs of a centre's site (`<slug>.<platform domain>`, the centre's schema)."""
from django.urls import include, path

from config.urls_common import common_patterns
from windows.views import centre_home

urlpatterns = [
    *common_patterns,
    path("api/v1/", include("tenants.api_urls_tenant")),
    path("api/v1/", include("windows.api_urls")),
    path("api/v1/catalogue/", include("catalog.api_urls_tenant")),
    path("catalogue/", include("catalog.urls_tenant")),
    path("api/v1/cases/", include("cases.api_urls")),
    path("cases/", include("cases.urls")),
    path("supervision/dashboard/", include("supervision.dashboards.urls")),
    path("supervision/", include("supervision.warnings.urls")),
    path("supervision/", include("supervision.reviews.urls")),
    path("supervision/", include("supervision.sampling.urls")),
    path("supervision/", include("supervision.assessment.urls")),
    path("api/v1/joint/", include("joint_approval.api_urls_tenant")),
    path("joint/", include("joint_approval.urls_tenant")),
    path("api/v1/delegation/", include("delegation.api_urls_tenant")),
    path("delegation/", include("delegation.urls_tenant")),
    path("messages/", include("notifications.urls_tenant")),
    path("api/v1/hall/", include("hall.api_urls")),
    path("hall/", include("hall.urls")),
    path("news/", include("news.urls_tenant")),
    path("", centre_home, name="home"),
    path("", include("tenants.urls_tenant")),
]

handler404 = "common.errors.page_not_found"  # JSON under /api/
handler500 = "common.errors.server_error"  # the database unreachable: 503, try again
