"""The message templates' preview: every template key with its description and its Chinese and English
text, rendered with sample values by the outbox's own `render`; platform administrators on the platform's
site, a centre's administrators on its host; clerks get 404."""
from __future__ import annotations

import pytest
from django.utils.html import escape

from notifications.models import MessageTemplate
from notifications.services import DEFAULT_TEMPLATES, SAMPLE_CONTEXT, TEMPLATE_DESCRIPTIONS
from tenants.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform_client(centre_client, make_user):
    return centre_client(None, make_user((None, Role.PLATFORM_ADMIN), username="templates-admin"))


def rows(html: str) -> dict[str, str]:
    """The table's rows by template key."""
    found = {}
    for chunk in html.split('<tr data-key="')[1:]:
        key, rest = chunk.split('"', 1)
        found[key] = rest.split("</tr>", 1)[0]
    return found


def test_every_template_is_shown_with_its_description_and_both_languages_filled_in(platform_client, settings):
    settings.PLATFORM_SCHEME, settings.PLATFORM_PORT = "https", ""
    html = platform_client.get("/outbox/templates/").content.decode()

    shown = rows(html)
    assert list(shown) == list(DEFAULT_TEMPLATES)
    for key, (body_zh, body_en) in DEFAULT_TEMPLATES.items():
        row = shown[key]
        assert escape(str(TEMPLATE_DESCRIPTIONS[key])) in row, key
        assert 'lang="zh-hans"' in row and 'lang="en"' in row
        assert "{" not in row, f"{key}: a placeholder left unfilled"
        first_zh, first_en = body_zh.split("{", 1)[0], body_en.split("{", 1)[0]
        assert escape(first_zh) in row and escape(first_en) in row, key
    accepted = shown["case_accepted"]
    assert SAMPLE_CONTEXT["number"] in accepted and f"https://beilin.{settings.PLATFORM_DOMAIN}/progress/" in accepted
    assert escape(SAMPLE_CONTEXT["agent_en"]) in shown["case_result_ready_proxy"]
    assert SAMPLE_CONTEXT["missing_zh"] in shown["case_notice"]


def test_the_english_texts_read_in_english():
    """The English text of a template takes the English values: the proxy texts named the agent in
    Chinese and the deadline warning read "黄色预警 … 临近承诺办结期限" (a tester's find). Only what a
    person wrote in Chinese (a complaint's subject) stays as written."""
    import re

    from notifications.services import render

    for key in DEFAULT_TEMPLATES:
        text = render(key=key, centre_id=None, language="en", context={**SAMPLE_CONTEXT, "subject": "Queues"})
        assert not re.search(r"[\u3400-\u9fff]", text), (key, text)


def test_the_preview_renders_what_the_outbox_would_send_an_edited_default_and_a_centres_own(
        platform_client, centre_client, beilin, make_user):
    MessageTemplate.objects.create(key="case_accepted", centre=None, body_zh="平台默认：{number}已受理",
                                   body_en="Platform default: {number} accepted")
    MessageTemplate.objects.create(key="case_accepted", centre=beilin, body_zh="碑林：{number}已受理，{due}前办结",
                                   body_en="Beilin: {number} accepted, due {due}")

    platform = rows(platform_client.get("/outbox/templates/").content.decode())["case_accepted"]
    assert "平台默认：610103-20261009-00001已受理" in platform
    assert platform.startswith(' data-source="platform"')
    assert "碑林：" not in platform

    admin = make_user((beilin, Role.CENTRE_ADMIN), username="templates-beilin-admin")
    assert 'href="/messages/templates/"' in centre_client(beilin, admin).get("/").content.decode()  # their home
    page = centre_client(beilin, admin).get("/messages/templates/")
    assert page.status_code == 200
    shown = rows(page.content.decode())
    assert "碑林：610103-20261009-00001已受理，2026-10-21前办结" in shown["case_accepted"]
    assert "Beilin: 610103-20261009-00001 accepted, due 2026-10-21" in shown["case_accepted"]
    assert shown["case_accepted"].startswith(' data-source="centre"')
    assert shown["case_notice"].startswith(' data-source="built-in"')

    # the platform's administrators pick the centre to see its own texts
    chosen = rows(platform_client.get("/outbox/templates/", {"centre": beilin.slug}).content.decode())
    assert "碑林：" in chosen["case_accepted"]


def test_clerks_and_other_centres_admins_get_404(centre_client, clerk, beilin, yanta, make_user):
    assert centre_client(None).get("/outbox/templates/")["Location"].startswith("/accounts/login/")
    assert centre_client(None, clerk).get("/outbox/templates/").status_code == 404
    assert centre_client(beilin, clerk).get("/messages/templates/").status_code == 404
    assert "/messages/templates/" not in centre_client(beilin, clerk).get("/").content.decode()
    yanta_admin = make_user((yanta, Role.CENTRE_ADMIN), username="templates-yanta-admin")
    assert centre_client(beilin, yanta_admin).get("/messages/templates/").status_code == 404
    assert centre_client(yanta, yanta_admin).get("/messages/templates/").status_code == 200


def test_the_outbox_links_to_the_preview_and_it_speaks_chinese(platform_client):
    assert 'href="/outbox/templates/"' in platform_client.get("/outbox/").content.decode()
    html = platform_client.get("/outbox/templates/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "短信模板" in html and "受理时告知申请人" in html
