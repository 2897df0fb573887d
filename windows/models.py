"""Per-centre (tenant schema) models: service windows, their object permissions, the heartbeat."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from common.models import TimeStampedModel


class Window(TimeStampedModel):
    """A service window (服务窗口) at a centre, kept by a department, staffed by clerks.

    Object permissions on a window (who may operate it) live in the same centre's schema, so
    window pk 1 in one centre and pk 1 in another never share a permission.
    """

    number = models.CharField(_("window number"), max_length=16, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)
    department = models.CharField(_("department"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service window")
        verbose_name_plural = _("service windows")
        ordering = ["number"]
        permissions = [("operate_window", _("Can operate the window"))]

    def __str__(self) -> str:
        return f"{self.number} {self.name_zh}"


class WindowUserObjectPermission(UserObjectPermissionBase):
    """django-guardian direct foreign-key permission of a user on a window."""

    content_object = models.ForeignKey(Window, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("window user permission")
        verbose_name_plural = _("window user permissions")


class WindowGroupObjectPermission(GroupObjectPermissionBase):
    """django-guardian direct foreign-key permission of a group on a window."""

    content_object = models.ForeignKey(Window, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("window group permission")
        verbose_name_plural = _("window group permissions")


class CentreHeartbeat(models.Model):
    """One row: when Celery beat last reached this centre (shown on the centre's page)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_beat_at = models.DateTimeField(_("last beat"), null=True)
    beats = models.PositiveIntegerField(_("beats"), default=0)

    class Meta:
        verbose_name = _("centre heartbeat")
        verbose_name_plural = _("centre heartbeats")

    def __str__(self) -> str:
        return str(self.last_beat_at)


