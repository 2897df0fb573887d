"""What a news post (工作动态) is and where it stands."""
from django.db import models
from django.utils.translation import gettext_lazy as _


class PostKind(models.TextChoices):
    NEWS = "news", _("News")
    PROCEDURE_CHANGED = "procedure_changed", _("Procedure changed")
    NOTICE = "notice", _("Notice")


#: What a centre's staff write by hand (a "procedure changed" post is written by the catalogue's hook).
WRITTEN_KINDS = (PostKind.NEWS, PostKind.NOTICE)


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
