"""Reads of the news (工作动态) and who may write them: the one place the posts' permissions are decided.
Readers see a published post whose time has come; a centre's writers also see its drafts; anything else is
404 (as missing)."""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from news.choices import PostStatus
from news.models import Post
from tenants.models import Centre
from tenants.selectors import user_is_centre_admin


def user_may_write_news(*, user, centre: Centre) -> bool:
    """A centre's administrators (and platform administrators) write, publish and withdraw its posts. The
    other roles (window clerks, chief representatives, supervisors) read them like anyone."""
    return bool(getattr(user, "is_authenticated", False)) and user_is_centre_admin(user=user, centre=centre)


def published_posts(*, centre: Centre | None = None) -> QuerySet[Post]:
    """Published posts whose time has come, newest first: one centre's, or every centre's (the city's list)."""
    posts = (Post.objects.filter(status=PostStatus.PUBLISHED, published_at__lte=timezone.now())
             .select_related("centre", "item").order_by("-published_at", "-pk"))
    return posts.filter(centre=centre) if centre is not None else posts


def drafts_for(*, user, centre: Centre) -> QuerySet[Post]:
    """The centre's drafts (and posts dated in the future) for its writers; nothing for anyone else."""
    if not user_may_write_news(user=user, centre=centre):
        return Post.objects.none()
    return (Post.objects.filter(centre=centre).exclude(pk__in=published_posts(centre=centre).values("pk"))
            .select_related("author").order_by("-updated_at"))


def post_get_for(*, user, post_id: int, centre: Centre | None) -> Post:
    """One post: published and due for anyone; a draft for its centre's writers. On a centre's host only
    that centre's posts (`centre`); on the platform's site (`centre` None) any centre's published post.
    Otherwise 404."""
    post = Post.objects.select_related("centre", "item", "author").filter(pk=post_id).first()
    if post is None or (centre is not None and post.centre_id != centre.pk):
        raise Http404
    visible = post.status == PostStatus.PUBLISHED and post.published_at is not None \
        and post.published_at <= timezone.now()
    if not visible and not (centre is not None and user_may_write_news(user=user, centre=centre)):
        raise Http404
    return post
