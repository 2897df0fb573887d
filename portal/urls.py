"""The online service hall (网上办事大厅) at `/online/` on the platform's site: one account for every centre.
Each part has its own URL module, included here under the one namespace `portal`."""
from django.urls import include, path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-out/", views.sign_out, name="sign-out"),
    path("identity/", views.identity, name="identity"),
    path("account/", views.account, name="account"),
    path("account/export/", views.account_export, name="account-export"),
    path("account/erase/", views.account_erase, name="account-erase"),
    path("cases/", views.my_cases, name="my-cases"),
    path("large-text/", views.large_text, name="large-text"),
    path("", include("portal.urls_apply")),     # items, online application, my case's page, documents
    path("", include("portal.urls_archive")),   # electronic archives (电子档案)
    path("", include("portal.urls_ask")),       # consultation, the director's mailbox, appointments
]
