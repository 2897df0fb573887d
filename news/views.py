"""News pages (工作动态). On a centre's host: its published posts (anyone), a post, the Atom feed, and for its
administrators writing, previewing, publishing and withdrawing. On the platform's site: the city's list
(every centre's posts, filterable by centre) and a post. Reads through `news.selectors`, writes through
`news.services`."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import ApplicationError
from common.forms import add_service_errors
from news import selectors, services, text
from news.forms import PostForm
from news.models import Post
from tenants.models import Centre
from tenants.request import centre_of, centre_or_none, require_centre_staff, user_of

PAGE_SIZE = 10


def _page(request: HttpRequest, posts):
    return Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))


def news_list(request: HttpRequest) -> HttpResponse:
    """A centre's published posts, newest first, 10 a page; its writers also see its drafts."""
    centre = centre_of(request)
    page = _page(request, selectors.published_posts(centre=centre))
    return render(request, "news/list.html", {
        "page_obj": page, "posts": page.object_list, "drafts": list(selectors.drafts_for(user=request.user,
                                                                                          centre=centre)),
        "may_write": selectors.user_may_write_news(user=request.user, centre=centre),
    })


def city_news(request: HttpRequest) -> HttpResponse:
    """The platform's site: every centre's published posts, newest first, filterable by centre (`?centre=`
    a centre's slug)."""
    centres = list(Centre.objects.filter(pk__in=selectors.published_posts().values("centre")).order_by(
        "division_code"))
    chosen = next((c for c in centres if c.slug == request.GET.get("centre")), None)
    page = _page(request, selectors.published_posts(centre=chosen) if chosen else selectors.published_posts())
    return render(request, "news/city.html", {"page_obj": page, "posts": page.object_list, "centres": centres,
                                              "chosen": chosen})


def news_detail(request: HttpRequest, post_id: int) -> HttpResponse:
    """One post, on its centre's host or on the platform's site."""
    centre = centre_or_none(request)
    post = selectors.post_get_for(user=request.user, post_id=post_id, centre=centre)
    item_url = ""
    if post.item is not None:
        item_url = (reverse("catalog-guide", args=[post.item.code]) if centre is not None
                    else reverse("catalog-item", args=[post.item.code]))
    return render(request, "news/detail.html", {
        "post": post, "item_url": item_url,
        "may_write": centre is not None and selectors.user_may_write_news(user=request.user, centre=centre),
    })


def _require_writer(request: HttpRequest) -> Centre:
    """The centre of a request by one of its writers: others of its staff 403, anyone else 404."""
    centre = require_centre_staff(request)
    if not selectors.user_may_write_news(user=request.user, centre=centre):
        raise PermissionDenied
    return centre


def _writable(request: HttpRequest, centre: Centre, post_id: int) -> Post:
    post = selectors.post_get_for(user=request.user, post_id=post_id, centre=centre)
    return post


@login_required
def news_edit(request: HttpRequest, post_id: int | None = None) -> HttpResponse:
    """Write a new post or edit one; "Preview" shows the sanitised text without saving."""
    centre = _require_writer(request)
    post = _writable(request, centre, post_id) if post_id is not None else None
    initial = ({"kind": post.kind, "title_zh": post.title_zh, "title_en": post.title_en, "body_zh": post.body_zh,
                "body_en": post.body_en, "revision": post.revision} if post is not None else None)
    form = PostForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in ("kind", "title_zh", "title_en", "body_zh", "body_en")}
        if request.POST.get("action") == "preview":
            preview = {"title_zh": data["title_zh"], "title_en": data["title_en"],
                       "html_zh": text.render(data["body_zh"]), "html_en": text.render(data["body_en"])}
        else:
            try:
                if post is None:
                    saved = services.post_create(centre=centre, acting_user=user_of(request), **fields)
                else:
                    saved = services.post_update(post=post, acting_user=user_of(request),
                                                 revision=data["revision"] or 0, **fields)
            except ApplicationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("news-detail", post_id=saved.pk)
    status = 400 if request.method == "POST" and preview is None else 200
    return render(request, "news/edit.html", {"form": form, "post": post, "preview": preview}, status=status)


@login_required
@require_POST
def news_publish(request: HttpRequest, post_id: int) -> HttpResponse:
    centre = _require_writer(request)
    post = _writable(request, centre, post_id)
    try:
        services.post_publish(post=post, acting_user=user_of(request))
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Published: readers see it now."))
    return redirect("news-detail", post_id=post.pk)


@login_required
@require_POST
def news_unpublish(request: HttpRequest, post_id: int) -> HttpResponse:
    centre = _require_writer(request)
    post = _writable(request, centre, post_id)
    try:
        services.post_unpublish(post=post, acting_user=user_of(request))
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Withdrawn: readers no longer see it."))
    return redirect("news-detail", post_id=post.pk)
