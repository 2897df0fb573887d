"""URLs of the platform's own site (the bare platform domain, public schema)."""
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config.urls_common import common_patterns
from tenants import views

urlpatterns = [
    *common_patterns,
    # the admin signs in through the site's own page (lockouts, two-step sign-in), not its own form
    path(f"{settings.DJANGO_ADMIN_PATH}login/", views.LoginView.as_view()),
    path(settings.DJANGO_ADMIN_PATH, admin.site.urls),  # DJANGO_ADMIN_PATH: not /admin/ in production
    path("api/v1/", include("tenants.api_urls_public")),
    path("api/v1/catalogue/", include("catalog.api_urls_public")),
    path("catalogue/", include("catalog.urls_public")),
    path("supervision/dashboard/", include("supervision.dashboards.urls")),
    path("api/v1/joint/", include("joint_approval.api_urls_public")),
    path("joint/", include("joint_approval.urls_public")),
    path("api/v1/delegation/", include("delegation.api_urls_public")),
    path("delegation/", include("delegation.urls_public")),
    path("outbox/", include("notifications.urls_public")),
    path("online/", include("portal.urls")),
    path("news/", include("news.urls_public")),
    path("", include("tenants.urls_public")),
]

handler404 = "common.errors.page_not_found"  # JSON under /api/
handler500 = "common.errors.server_error"  # the database unreachable: 503, try again
