"""What the demo's provisioning has completed, so that a run stopped half-way is resumed where it stopped."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TimeStampedModel


class DemoStepName(models.TextChoices):
    NETWORK = "network", _("Centres and demo users")
    WINDOWS = "windows", _("Service windows")
    CATALOGUE = "catalogue", _("Item catalogue")
    JOINT = "joint", _("Joint approvals")
    DELEGATION = "delegation", _("Delegation")
    HALL = "hall", _("The halls: queues, devices, a morning of tickets")
    NEWS = "news", _("News, and the forms and samples of a few items")
    PORTAL = "portal", _("The online service hall: applicants and their online applications")


class DemoStep(TimeStampedModel):
    """One completed step of provisioning the demo (演示数据): a row is written when the step finished."""

    name = models.CharField(_("step"), max_length=20, choices=DemoStepName.choices, unique=True)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        verbose_name = _("demo provisioning step")
        verbose_name_plural = _("demo provisioning steps")

    def __str__(self) -> str:
        return self.name
