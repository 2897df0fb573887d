"""News and policy changes (工作动态): the sanitised text, the Atom feed, who may write, the procedure-change
posts the catalogue's hook writes, the city's list and the centre's home."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.utils import timezone

from catalog.services import adoption_create, catalogue_refresh_current, version_create_draft, version_publish
from common.errors import ConflictError
from news import text
from news.choices import PostKind, PostStatus
from news.models import Post
from news.services import post_create, post_publish, post_unpublish, post_update
from tenants.choices import AuditKind, Role
from tenants.models import AuditEvent

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _public_schema():
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def admin_b(make_user, beilin):
    return make_user((beilin, Role.CENTRE_ADMIN), username="admin-b")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(html)
    return parser.tags


def test_the_text_keeps_chinese_and_tables_and_loses_scripts_handlers_and_javascript_links():
    html = text.render("## 办事须知\n\n请携带**身份证**。<script>alert('x')</script>\n\n"
                       '<img src="x" onerror="alert(1)">\n\n[点我](javascript:alert(1)) [官网](https://www.xa.gov.cn)\n\n'
                       "| 事项 | 时限 |\n|:--|--:|\n| 食品经营许可 | 10 个工作日 |\n")
    tags = _elements(html)
    names = [tag for tag, _attrs in tags]
    assert "script" not in names and "img" not in names
    assert not any(name.startswith("on") for _tag, attrs in tags for name in attrs)
    assert not any((attrs.get("href") or "").lower().startswith("javascript") for _tag, attrs in tags)
    assert ("a", {"href": "https://www.xa.gov.cn", "rel": "nofollow noopener noreferrer"}) in tags
    assert "请携带<strong>身份证</strong>" in html
    assert {"table", "thead", "th", "td"} <= set(names)
    assert "食品经营许可" in html and "10 个工作日" in html


def test_a_centre_administrator_writes_previews_publishes_and_withdraws(centre_client, beilin, admin_b):
    client = centre_client(beilin, admin_b)
    form = {"kind": "news", "title_zh": "窗口调整", "title_en": "Windows move",
            "body_zh": "**4 号窗口**<script>x</script>", "body_en": "", "revision": ""}
    preview = client.post("/news/new/", {**form, "action": "preview"}, **ZH)
    assert preview.status_code == 200 and "<strong>4 号窗口</strong>" in preview.content.decode()
    assert not Post.objects.exists()  # a preview writes nothing

    saved = client.post("/news/new/", {**form, "action": "save"})
    post = Post.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/news/{post.pk}/"
    assert post.status == PostStatus.DRAFT and post.author == admin_b
    assert "窗口调整" not in centre_client(beilin).get("/news/", **ZH).content.decode()  # a draft is not public
    assert centre_client(beilin).get(f"/news/{post.pk}/", **ZH).status_code == 404

    assert client.post(f"/news/{post.pk}/publish/").status_code == 302
    page = centre_client(beilin).get("/news/", **ZH).content.decode()
    assert "窗口调整" in page
    reader = centre_client(beilin).get(f"/news/{post.pk}/", **ZH).content.decode()
    assert "<strong>4 号窗口</strong>" in reader and "<script>" not in reader
    assert AuditEvent.objects.filter(kind=AuditKind.NEWS_PUBLISHED, target_id=str(post.pk), actor=admin_b).exists()

    client.post(f"/news/{post.pk}/unpublish/")
    assert "窗口调整" not in centre_client(beilin).get("/news/", **ZH).content.decode()
    assert AuditEvent.objects.filter(kind=AuditKind.NEWS_UNPUBLISHED, target_id=str(post.pk)).exists()


def test_only_the_centres_administrators_write(centre_client, beilin, city, make_user, clerk, admin_b):
    form = {"kind": "news", "title_zh": "标题", "body_zh": "正文", "action": "save"}
    other_clerk = make_user((city, Role.WINDOW_CLERK))
    other_admin = make_user((city, Role.CENTRE_ADMIN))
    anonymous = centre_client(beilin).post("/news/new/", form)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert centre_client(beilin, other_clerk).post("/news/new/", form).status_code == 404
    assert centre_client(beilin, other_admin).post("/news/new/", form).status_code == 404
    assert centre_client(beilin, clerk).post("/news/new/", form).status_code == 403  # staff here, not a writer
    assert not Post.objects.exists()

    post = post_create(centre=beilin, acting_user=admin_b, title_zh="草稿", body_zh="正文")
    assert centre_client(beilin, other_admin).post(f"/news/{post.pk}/publish/").status_code == 404
    assert centre_client(beilin, clerk).post(f"/news/{post.pk}/publish/").status_code == 403
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT


def test_two_editors_at_once_the_second_is_told(beilin, admin_b):
    post = post_create(centre=beilin, acting_user=admin_b, title_zh="原标题", body_zh="正文")
    post_update(post=post, acting_user=admin_b, revision=1, kind="news", title_zh="第一人", body_zh="正文")
    with pytest.raises(ConflictError):
        post_update(post=post, acting_user=admin_b, revision=1, kind="news", title_zh="第二人", body_zh="正文")
    post.refresh_from_db()
    assert post.title_zh == "第一人" and post.revision == 2


def test_the_feed_is_atom_with_the_published_posts(centre_client, beilin, admin_b):
    for n in range(3):
        post = post_create(centre=beilin, acting_user=admin_b, title_zh=f"动态{n}", title_en=f"News {n}",
                           body_zh=f"第 {n} 条")
        post_publish(post=post, acting_user=admin_b, now=timezone.now() - dt.timedelta(days=3 - n))
    post_create(centre=beilin, acting_user=admin_b, title_zh="未发布", body_zh="草稿")

    response = centre_client(beilin).get("/news/feed/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own response
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") and feed.findtext(f"{ATOM}id") and feed.findtext(f"{ATOM}updated")
    assert feed.find(f"{ATOM}author/{ATOM}name") is not None
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["动态2", "动态1", "动态0"]
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")
        assert entry.find(f"{ATOM}link").get("href").startswith("http://")
    assert "<p>第 2 条</p>" in entries[0].findtext(f"{ATOM}summary")


def _second_version(item, *, effective: dt.date, today: dt.date):
    version = version_create_draft(
        item=item, content={"legal_limit_days": 15, "promised_limit_days": 7, "online_depth": 4},
        materials=[{"name_zh": "申请书", "name_en": "Application"},
                   {"name_zh": "食品安全管理制度", "name_en": "Food safety rules"}],
        effective_from=effective, acting_user=None)
    return version_publish(version=version, acting_user=None, today=today)


def test_a_new_version_writes_one_procedure_change_post_per_adopting_centre_once(item, city, beilin, yanta):
    adoption_create(centre=city, item=item, acting_user=None, today=dt.date(2020, 1, 1))
    # published now, effective next month: the posts are dated then (not shown before)
    effective = timezone.localdate() + dt.timedelta(days=30)
    version = _second_version(item, effective=effective, today=timezone.localdate())
    posts = Post.objects.filter(version=version)
    assert sorted(posts.values_list("centre_id", flat=True)) == sorted([city.pk, beilin.pk])  # yanta never adopted
    post = posts.get(centre=beilin)
    assert post.kind == PostKind.PROCEDURE_CHANGED and post.status == PostStatus.PUBLISHED
    assert timezone.localtime(post.published_at).date() == effective
    assert "法定办结时限由 20 个工作日调整为 15 个工作日" in post.body_zh
    assert "新增申报材料：食品安全管理制度" in post.body_zh and "取消申报材料：营业执照、场所平面图" in post.body_zh
    assert "Legal time limit: 20 → 15 working days" in post.body_en
    assert "Online handling depth: level 1 (information) → level 4 (fully online)" in post.body_en
    assert "<li>" in post.html_zh

    # the daily job makes it current on its effective date and announces it again: nothing new is written
    assert catalogue_refresh_current(today=effective) == 1
    assert Post.objects.filter(version=version).count() == 2
    assert Post.objects.filter(kind=PostKind.PROCEDURE_CHANGED).count() == 2


def test_a_first_version_writes_no_post(item):
    assert not Post.objects.exists()


def test_the_city_list_shows_every_centre_filterable_and_the_home_the_latest(centre_client, beilin, city, item,
                                                                             admin_b, make_user):
    admin_x = make_user((city, Role.CENTRE_ADMIN))
    for centre, user, title in ((beilin, admin_b, "碑林动态"), (city, admin_x, "市中心动态")):
        post_publish(post=post_create(centre=centre, acting_user=user, title_zh=title, body_zh="正文"),
                     acting_user=user)
    everyone = centre_client().get("/news/", **ZH).content.decode()
    assert "碑林动态" in everyone and "市中心动态" in everyone
    only = centre_client().get(f"/news/?centre={beilin.slug}", **ZH).content.decode()
    assert "碑林动态" in only and "市中心动态" not in only
    post = Post.objects.get(title_zh="碑林动态")
    assert centre_client().get(f"/news/{post.pk}/", **ZH).status_code == 200
    assert centre_client(city).get(f"/news/{post.pk}/", **ZH).status_code == 404  # another centre's host
    home = centre_client(beilin).get("/", **ZH).content.decode()
    assert 'id="latest-news"' in home and "碑林动态" in home and "市中心动态" not in home


def test_the_list_is_paginated(centre_client, beilin, admin_b):
    for n in range(12):
        post_publish(post=post_create(centre=beilin, acting_user=admin_b, title_zh=f"第{n:02d}条", body_zh="正文"),
                     acting_user=admin_b, now=timezone.now() - dt.timedelta(hours=12 - n))
    first = centre_client(beilin).get("/news/", **ZH).content.decode()
    second = centre_client(beilin).get("/news/?page=2", **ZH).content.decode()
    assert "第11条" in first and "第00条" not in first and "第00条" in second and 'rel="prev"' in second


def test_a_withdrawn_post_twice_is_told(beilin, admin_b):
    post = post_create(centre=beilin, acting_user=admin_b, title_zh="标题", body_zh="正文")
    with pytest.raises(ConflictError):
        post_unpublish(post=post, acting_user=admin_b)
