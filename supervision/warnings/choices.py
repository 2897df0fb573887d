"""Warning levels (with what each says in the SMS), kinds of finding, and the hall's long wait."""
import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

from cases import hooks


class WarningLevel(models.TextChoices):
    YELLOW = "yellow", _("Yellow: due soon")
    RED = "red", _("Red: past the promised limit")
    BLACK = "black", _("Black: past the legal limit")


#: What each level says, in the SMS (Chinese, English).
LEVEL_TEXT = {
    WarningLevel.YELLOW: ("黄牌预警", "即将到达承诺时限", "Yellow warning", "is close to its promised limit"),
    WarningLevel.RED: ("红牌警告", "已超过承诺时限", "Red warning", "is past its promised limit"),
    WarningLevel.BLACK: ("黑牌警告", "已超过法定时限", "Black warning", "is past its legal limit"),
}


class FindingKind(models.TextChoices):
    """The kinds `cases.hooks.step_refused` announces, named for the findings page."""

    WRONG_ROLE = hooks.WRONG_ROLE, _("A step attempted by a role not allowed to take it")
    STEP_SKIPPED = hooks.STEP_SKIPPED, _("A step attempted out of order (a step skipped)")


#: A ticket waiting in a hall longer than this is flagged to the centre's chief representatives (the long-wait
#: sweep) and counted as a long wait on the dashboards. The hall's own rule is `hall.choices.LONG_WAIT`;
#: supervision may not import the hall, so the value is kept here too (a test keeps the two equal).
HALL_LONG_WAIT = dt.timedelta(minutes=30)
