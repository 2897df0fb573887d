"""Bundle kinds, stages, leg levels and joint-case statuses (the join as data)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BundleKind(models.TextChoices):
    PARALLEL = "parallel", _("Parallel approval")
    LINKED = "linked", _("City-district linked approval")


class Stage(models.TextChoices):
    """The business stage a bundle belongs to (items are grouped by relation and stage)."""

    ESTABLISHMENT = "establishment", _("Setting up a business")
    PROJECT_PLANNING = "planning", _("Project planning and land")
    CONSTRUCTION = "construction", _("Construction")
    COMPLETION = "completion", _("Completion and acceptance")
    OPERATION = "operation", _("Operation and activities")


class LegLevel(models.TextChoices):
    CITY = "city", _("City centre")
    LOCAL = "local", _("District or zone centre")


class JointStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    PARTLY_DENIED = "partly_denied", _("Partly denied")
    DENIED = "denied", _("Denied")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: A joint case in these statuses is joined: every leg was decided (or ended).
JOINED = frozenset({JointStatus.COMPLETED, JointStatus.PARTLY_DENIED, JointStatus.DENIED, JointStatus.WITHDRAWN})
