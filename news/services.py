"""Writes of the news (工作动态): a centre's administrators write, edit, publish and withdraw posts. Views and
the demo call these; the "procedure changed" posts are written by `news.listeners`."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import ApplicationError, ConflictError
from news import text
from news.choices import WRITTEN_KINDS, PostKind, PostStatus
from news.error_codes import NewsErrorCode
from news.models import Post
from tenants.audit import audit_record
from tenants.choices import AuditKind, AuditTarget
from tenants.models import Centre, User

TITLE_MAX = 200
BODY_MAX = 20_000


def _clean(*, kind: str, title_zh: str, title_en: str, body_zh: str, body_en: str) -> dict:
    """The post's fields, stripped and rendered; `ApplicationError` `news_invalid_post` with field errors."""
    values = {"title_zh": (title_zh or "").strip(), "title_en": (title_en or "").strip(),
              "body_zh": (body_zh or "").strip(), "body_en": (body_en or "").strip()}
    errors: dict[str, list[str]] = {}
    if kind not in WRITTEN_KINDS:
        errors["kind"] = [_("Choose news or a notice.")]
    for name in ("title_zh", "body_zh"):
        if not values[name]:
            errors[name] = [_("This field is required.")]
    for name in ("title_zh", "title_en"):
        if len(values[name]) > TITLE_MAX:
            errors[name] = [_("At most %(max)d characters.") % {"max": TITLE_MAX}]
    for name in ("body_zh", "body_en"):
        if len(values[name]) > BODY_MAX:
            errors[name] = [_("At most %(max)d characters.") % {"max": BODY_MAX}]
    if errors:
        raise ApplicationError(_("The post cannot be saved: %(problems)s")
                               % {"problems": "; ".join(" ".join(v) for v in errors.values())},
                               NewsErrorCode.INVALID_POST, {"fields": errors})
    return {**values, "kind": kind, "html_zh": text.render(values["body_zh"]),
            "html_en": text.render(values["body_en"])}


def post_create(*, centre: Centre, acting_user: User, kind: str = PostKind.NEWS, title_zh: str, title_en: str = "",
                body_zh: str, body_en: str = "") -> Post:
    """A draft post of `centre` by `acting_user` (Markdown bodies; HTML rendered and sanitised here).
    Raises `ApplicationError` `news_invalid_post` (field errors: a title or text missing or too long)."""
    fields = _clean(kind=kind, title_zh=title_zh, title_en=title_en, body_zh=body_zh, body_en=body_en)
    return Post.objects.create(centre=centre, author=acting_user, status=PostStatus.DRAFT, **fields)


def _locked(post: Post) -> Post:
    return Post.objects.select_for_update().get(pk=post.pk)


def post_update(*, post: Post, acting_user: User, revision: int, kind: str, title_zh: str, title_en: str = "",
                body_zh: str, body_en: str = "") -> Post:
    """Change a post's text (a draft's or a published one's). `revision` is the revision the editor saw:
    if someone saved since, `ConflictError` `news_edited_meanwhile` and nothing is written. A procedure
    change (written by itself) is not edited. Raises `ApplicationError` `news_invalid_post` too."""
    fields = _clean(kind=kind, title_zh=title_zh, title_en=title_en, body_zh=body_zh, body_en=body_en)
    with transaction.atomic():
        locked = _locked(post)
        if locked.kind == PostKind.PROCEDURE_CHANGED:
            raise ApplicationError(_("A procedure change is written from the catalogue; it is not edited here."),
                                   NewsErrorCode.WRONG_STATUS)
        if locked.revision != revision:
            raise ConflictError(_("Someone else saved this post while you were editing it: your changes were "
                                  "not saved. Reload it, then make them again."), NewsErrorCode.EDITED_MEANWHILE)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.revision += 1
        locked.edited_by = acting_user
        locked.save()
    return locked


def post_publish(*, post: Post, acting_user: User, now: dt.datetime | None = None) -> Post:
    """Publish a draft: readers see it from now (a post withdrawn and published again keeps its first date).
    `ConflictError` `news_wrong_status` when it is published already."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(post)
        if locked.status == PostStatus.PUBLISHED:
            raise ConflictError(_("This post is published already."), NewsErrorCode.WRONG_STATUS)
        locked.status = PostStatus.PUBLISHED
        locked.published_at = locked.published_at or now
        locked.save(update_fields=["status", "published_at", "updated_at"])
        audit_record(kind=AuditKind.NEWS_PUBLISHED, actor=acting_user, centre=locked.centre,
                     target_type=AuditTarget.NEWS_POST, target_id=locked.pk, target_label=locked.title_zh,
                     before={"status": PostStatus.DRAFT},
                     after={"status": PostStatus.PUBLISHED, "published_at": locked.published_at.isoformat()})
    return locked


def post_unpublish(*, post: Post, acting_user: User) -> Post:
    """Withdraw a published post (back to a draft: readers no longer see it, nor the feed).
    `ConflictError` `news_wrong_status` when it is a draft already."""
    with transaction.atomic():
        locked = _locked(post)
        if locked.status != PostStatus.PUBLISHED:
            raise ConflictError(_("This post is not published."), NewsErrorCode.WRONG_STATUS)
        locked.status = PostStatus.DRAFT
        locked.save(update_fields=["status", "updated_at"])
        audit_record(kind=AuditKind.NEWS_UNPUBLISHED, actor=acting_user, centre=locked.centre,
                     target_type=AuditTarget.NEWS_POST, target_id=locked.pk, target_label=locked.title_zh,
                     before={"status": PostStatus.PUBLISHED}, after={"status": PostStatus.DRAFT})
    return locked
