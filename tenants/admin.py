"""Django admin of the platform's users (on the platform's own site, public schema).

A user is never deleted: the delete would cascade into django-guardian's object-permission tables,
which exist only in the centres' schemas (the public schema has none, so it failed with `relation
"guardian_userobjectpermission" does not exist`), and the audit log and cases refer to users by id.
The admin offers the two offboarding services instead: *deactivate* (离岗: sessions, API tokens and roles
ended at once, records kept) and *erase personal data* (PIPL erasure, for users already deactivated).
"""
from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tenants import services
from tenants.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users: edit, deactivate, erase; never delete (see the module docstring)."""

    list_display = ("username", "full_name", "email", "mobile", "is_active", "last_login")
    search_fields = ("username", "full_name", "email")
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Contact"), {"fields": ("full_name", "mobile")}),
    )
    actions = ("deactivate_users", "erase_users")

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Deactivate the selected users (sessions, API tokens and roles end now)"))
    def deactivate_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = 0
        for user in queryset.order_by("pk"):
            services.user_deactivate(user=user, acting_user=request.user)  # type: ignore[arg-type]
            count += 1
        self.message_user(request, ngettext("%(count)d user deactivated.", "%(count)d users deactivated.", count)
                          % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Erase the personal data of the selected deactivated users"))
    def erase_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        active = queryset.filter(is_active=True).count()
        if active:
            self.message_user(request, ngettext(
                "%(count)d selected user is still active: deactivate first, then erase. Nothing was erased.",
                "%(count)d selected users are still active: deactivate first, then erase. Nothing was erased.",
                active) % {"count": active}, messages.ERROR)
            return
        count = 0
        for user in queryset.order_by("pk"):
            services.user_erase(user=user, acting_user=request.user)  # type: ignore[arg-type]
            count += 1
        self.message_user(request, ngettext("%(count)d user's personal data erased.",
                                            "%(count)d users' personal data erased.", count)
                          % {"count": count}, messages.SUCCESS)
