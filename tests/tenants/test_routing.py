"""Routing: each centre at its own host, only ready centres served, the cache invalidated."""
from __future__ import annotations

import logging

import pytest
from django.db import connection

from tenants.choices import CentreStatus
from tenants.models import Centre
from tenants.routing import routing_cache
from tenants.services import centre_set_status


@pytest.mark.django_db
def test_each_centre_is_served_at_its_own_host(centre_client, beilin, yanta):
    page = centre_client(beilin).get("/")
    assert page.status_code == 200
    assert "碑林区" in page.content.decode() or "Beilin" in page.content.decode()
    other = centre_client(yanta).get("/")
    assert "Yanta" in other.content.decode() or "雁塔区" in other.content.decode()


@pytest.mark.django_db
def test_the_bare_domain_serves_the_platform_site_listing_every_centre(centre_client):
    page = centre_client(None).get("/")
    assert page.status_code == 200
    for code in ("610100", "610103", "610113", "610171", "610103001"):
        assert f'data-code="{code}"' in page.content.decode()


@pytest.mark.django_db
def test_an_unknown_host_gets_a_clear_404(centre_client):
    from django.test import Client

    page = Client(HTTP_HOST="nowhere.localhost").get("/")
    assert page.status_code == 404
    assert "nowhere.localhost" in page.content.decode()


@pytest.mark.django_db
def test_a_suspended_centre_answers_with_a_clear_page_and_serves_again_when_resumed(centre_client, beilin):
    client = centre_client(beilin)
    assert client.get("/").status_code == 200
    centre_set_status(centre=beilin, status=CentreStatus.SUSPENDED, reason="audit", acting_user=None)
    page = client.get("/api/v1/centre/")
    assert page.status_code == 503
    assert "suspended" in page.content.decode().lower()
    beilin.refresh_from_db()
    centre_set_status(centre=beilin, status=CentreStatus.READY, acting_user=None)
    assert client.get("/api/v1/centre/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "words"), [("en", "is not serving on this platform for now"),
                                                 ("zh-hans", "暂停")])
def test_a_suspended_centres_api_answers_the_apis_error_body_in_the_users_language(
        centre_client, beilin, language, words):
    centre_set_status(centre=beilin, status=CentreStatus.SUSPENDED, reason="audit", acting_user=None)
    answer = centre_client(beilin).get("/api/v1/centre/", HTTP_ACCEPT_LANGUAGE=language)
    assert (answer.status_code, answer["Content-Type"], answer["Retry-After"]) == (503, "application/json", "300")
    body = answer.json()
    assert body["code"] == "centre_suspended" and words in body["message"]
    assert body["extra"]["platform_url"].startswith("http")
    assert "<html" not in centre_client(beilin).get("/api/v1/no-such/").content.decode()
    assert "<html" in centre_client(beilin).get("/").content.decode().lower()  # pages keep the page


@pytest.mark.django_db
def test_a_suspended_centres_503_is_logged_as_information_not_as_an_error(centre_client, beilin, caplog):
    centre_set_status(centre=beilin, status=CentreStatus.SUSPENDED, reason="audit", acting_user=None)
    client = centre_client(beilin)
    caplog.set_level(logging.INFO)
    assert client.get("/").status_code == client.get("/api/v1/centre/").status_code == 503
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    told = [r.getMessage() for r in caplog.records if r.name == "tenants.middleware"]
    assert told == ["beilin: suspended answers 503 for /", "beilin: suspended answers 503 for /api/v1/centre/"]


@pytest.mark.django_db
def test_a_centre_still_provisioning_is_not_served(centre_client, beilin):
    Centre.objects.filter(pk=beilin.pk).update(status=CentreStatus.PROVISIONING)
    page = centre_client(beilin).get("/")
    assert page.status_code == 503
    assert "being set up" in page.content.decode()


@pytest.mark.django_db
def test_the_routing_cache_answers_from_memory_until_the_version_moves(centre_client, beilin, settings,
                                                                        django_assert_max_num_queries):
    settings.ROUTING_CHECK_SECONDS = 3600
    client = centre_client(beilin)
    client.get("/api/v1/centre/")  # warm: version + domain lookup
    with django_assert_max_num_queries(10) as ctx:
        client.get("/api/v1/centre/")
    assert not any('"tenants_domain"."domain" =' in q["sql"] for q in ctx.captured_queries)
    assert not any("tenants_routingversion" in q["sql"] for q in ctx.captured_queries)


@pytest.mark.django_db
def test_a_rename_by_any_writer_reaches_the_cache_once_the_check_interval_passes(centre_client, beilin,
                                                                                 settings, monkeypatch):
    """Another process (here: raw SQL, which no Python code sees) renames the centre; the trigger
    bumps the version and this process notices at its next check."""
    settings.ROUTING_CHECK_SECONDS = 2.0
    clock = {"now": 1000.0}
    monkeypatch.setattr("tenants.routing.time.monotonic", lambda: clock["now"])
    client = centre_client(beilin)
    assert "Beilin District" in client.get("/api/v1/centre/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tenants_centre SET name_en = 'Beilin Renamed' WHERE id = %s", [beilin.pk])
    # within the interval: still the cached name
    assert "Beilin District" in client.get("/api/v1/centre/").content.decode()
    clock["now"] += 2.5
    assert "Beilin Renamed" in client.get("/api/v1/centre/").content.decode()


@pytest.mark.django_db
def test_search_path_is_set_once_per_connection_not_per_request(centre_client, beilin,
                                                                django_assert_max_num_queries, settings):
    settings.ROUTING_CHECK_SECONDS = 3600
    client = centre_client(beilin)
    client.get("/api/v1/centre/")
    with django_assert_max_num_queries(10) as ctx:
        client.get("/api/v1/centre/")
        client.get("/api/v1/centre/")
    assert not any(q["sql"].startswith("SET search_path") for q in ctx.captured_queries)
    assert routing_cache.centre_for_host(f"beilin.{settings.PLATFORM_DOMAIN}").pk == beilin.pk


# --- the host as browsers and resolvers write it --------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("host", ["beilin.localhost.", "BEILIN.Localhost.", "beilin.localhost.:8000",
                                  "www.beilin.localhost."])
def test_a_centre_is_served_at_its_host_written_with_a_trailing_dot_any_case_or_port(beilin, host):
    from django.test import Client

    page = Client(HTTP_HOST=host).get("/")
    assert page.status_code == 200
    assert beilin.name_en in page.content.decode() or beilin.name_zh in page.content.decode()
    assert "No centre" not in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["localhost.", "LOCALHOST.:8000"])
def test_the_bare_domain_with_a_trailing_dot_serves_the_platform_site(host):
    from django.test import Client

    page = Client(HTTP_HOST=host).get("/")
    assert page.status_code == 200
    assert 'data-code="610103"' in page.content.decode()


@pytest.mark.django_db
def test_signing_in_at_a_host_with_a_trailing_dot_passes_the_csrf_check_of_the_browsers_origin(beilin, make_user):
    """The browser sends `Origin: http://beilin.localhost.`: the request's host is compared with it
    as sent, so only the routing drops the dot."""
    import re

    from django.test import Client

    from tenants.choices import Role

    make_user((beilin, Role.WINDOW_CLERK), username="clerk-dot")
    browser = Client(enforce_csrf_checks=True, HTTP_HOST="beilin.localhost.")
    form = browser.get("/accounts/login/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    page = browser.post("/accounts/login/", {"username": "clerk-dot", "password": "pw-12345-xyz",
                                             "csrfmiddlewaretoken": token},
                        HTTP_ORIGIN="http://beilin.localhost.", follow=True)
    assert page.status_code == 200
    assert "clerk-dot" in page.content.decode() and "Window clerk" in page.content.decode()
