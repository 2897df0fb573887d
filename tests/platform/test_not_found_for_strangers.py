"""Every page and API endpoint of a centre's host answers a stranger — staff of another centre, or a
signed-in user with no role anywhere — as if nothing were there: 404, for GET and POST alike (issue 12,
fault 6). The URL patterns are walked, so a new endpoint is checked the day it is added; only the public
ones listed below (sign-in, the service guide, online submission, the progress lookup ...) answer anyone.
"""
from __future__ import annotations

import uuid

import pytest
from django.urls import get_resolver
from django.urls.resolvers import URLPattern, URLResolver

from tenants.choices import Role

pytestmark = pytest.mark.django_db

#: Public to anyone (the applicant's and the visitor's side of a centre), by URL name: the methods open.
PUBLIC: dict[str, set[str]] = {
    "set_language": {"GET", "POST"}, "health": {"GET", "POST"}, "favicon": {"GET"},
    "progress": {"GET", "POST"}, "progress-api": {"GET", "POST"},
    "login": {"GET", "POST"}, "logout": {"GET", "POST"}, "handoff": {"GET", "POST"},
    "schema": {"GET", "POST"}, "api-docs": {"GET", "POST"}, "api-redoc": {"GET", "POST"},
    # The user's own token, profile and centres (about the user, not the centre).
    "api-token": {"GET", "POST"}, "api-me": {"GET", "POST"}, "switch-centre-pick": {"GET", "POST"},
    "switch-centre": {"GET", "POST"}, "handoff-begin": {"GET", "POST"}, "second-factor": {"GET", "POST"},
    "password-change": {"GET", "POST"},
    # The centre's public face: its name, catalogue and service guides, bundles, home page.
    "api-current-centre": {"GET"}, "api-centre-catalogue": {"GET"}, "api-centre-guide": {"GET"},
    "api-centre-departments": {"GET"}, "api-centre-agencies": {"GET"}, "api-centre-agency": {"GET"},
    "api-centre-notices": {"GET"}, "catalog-report": {"GET", "POST"},
    "catalog-home": {"GET", "POST"}, "catalog-guide": {"GET"}, "catalog-guidebook": {"GET", "POST"},
    "api-joint-bundles": {"GET"}, "api-joint-bundle": {"GET"}, "joint-home": {"GET", "POST"},
    "joint-bundle": {"GET", "POST"}, "home": {"GET", "POST"},
    # Online submission of a case by anyone (an applicant), and an applicant's rating, follow-up or complaint.
    "api-cases": {"POST"}, "supervision-review-rate": {"GET", "POST"}, "supervision-review-follow-up": {"GET", "POST"},
    "supervision-complaint-new": {"GET", "POST"},
    # The hall's public side: a ticket's live place by its secret token, free slots, SMS codes, booking
    # online with the code and cancelling with the mobile.
    "api-hall-ticket": {"GET"}, "api-hall-slots": {"GET"}, "api-hall-phone-codes": {"POST"},
    "api-hall-appointments": {"POST"}, "api-hall-appointment-cancel": {"POST"},
    # ... and its pages (namespace `hall`): the queues to book, booking, managing a booking by its code and
    # mobile, taking a ticket on a phone with an SMS code, the hall's screen and its stream.
    "appointments": {"GET", "POST"}, "book": {"GET", "POST"}, "manage": {"GET", "POST"}, "phone": {"GET", "POST"},
    "screen": {"GET", "POST"}, "stream": {"GET", "POST"},
    # The centre's news (its published posts, a post, the Atom feed) and an item's forms and samples.
    "news-list": {"GET", "POST"}, "news-feed": {"GET", "POST"}, "news-detail": {"GET"}, "catalog-form": {"GET"},
    # The operators' Prometheus scrape: let in by address (loopback here) or token, never by who is signed in;
    # tests/platform/test_metrics.py checks the refusals.
    "metrics": {"GET", "POST"},
}

_VALUES = {"uuid": str(uuid.uuid4()), "int": "1", "slug": "nothing", "str": "nothing", "path": "nothing"}


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.name or ""


def _concrete(route: str) -> str:
    import re

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: _VALUES[m.group(1) or "str"], route)


ROUTES = sorted(set(_routes(get_resolver("config.urls_tenant").url_patterns)))
CHECKED = [(route, name, method) for route, name in ROUTES for method in ("GET", "POST")
           if method not in PUBLIC.get(name, set())]


def test_the_public_list_names_only_routes_that_exist():
    assert set(PUBLIC) <= {name for _, name in ROUTES}


@pytest.fixture
def strangers(make_user, yanta):
    return {"another centre's admin": make_user((yanta, Role.CENTRE_ADMIN), username="admin-yanta"),
            "another centre's clerk": make_user((yanta, Role.WINDOW_CLERK), username="clerk-yanta"),
            "no role anywhere": make_user(username="nobody")}


def _ask(client, method: str, url: str):
    """The answer at the end of any redirects (a GET-only handover redirects to a page that is missing)."""
    if method == "GET":
        return client.get(url, follow=True)
    return client.post(url, {}, content_type="application/json", follow=True)


@pytest.mark.parametrize(("route", "name", "method"), CHECKED, ids=[f"{m} {r}" for r, _, m in CHECKED])
def test_a_stranger_finds_nothing_there(route, name, method, beilin, strangers, make_user, centre_client):
    """404 for every stranger; 405 only where the centre's own administrator gets 405 too (a method the
    endpoint serves to no one: the route table is the same on every centre's host, it tells nothing)."""
    url = _concrete(route)
    for who, user in strangers.items():
        status = _ask(centre_client(beilin, user), method, url).status_code
        if status == 405:
            own = make_user((beilin, Role.CENTRE_ADMIN), username="admin-beilin-walk")
            assert _ask(centre_client(beilin, own), method, url).status_code == 405, f"{who}: {method} {url}"
            continue
        assert status == 404, f"{who}: {method} {url} answered {status}"
