"""The lean path of the progress API (registry.lean) answers exactly what Django's full stack answers:
the same status, body and headers for a found case, a wrong factor, an unknown number, bad input, a NUL,
an unknown host and a joint case; it counts wrong factors on the same guard and lookups on the same rate
limit; and it takes only anonymous JSON GETs of /progress/api/ (everything else goes the full way)."""
from __future__ import annotations

import io
import json
import re
import sys
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import override_settings

from cases.choices import Action
from cases.services import case_submit, case_transition
from registry.lean import LeanProgressHandler, lean_request, progress_front
from registry.models import NumberGuard
from tests.cases.conftest import VALID_ID
from tests.conftest import host_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(in_beilin, item, clerk):
    case = case_submit(centre=connection.tenant, item_code="610100SC-XK-0001", applicant_kind="person",
                       applicant_name="王小明", applicant_id_number=VALID_ID, phone="13812345678",
                       channel="window", acting_user=clerk).case
    return case_transition(centre=connection.tenant, case=case, action=Action.ACCEPT, acting_user=clerk)


def environ(*, host: str, query: dict | str = "", path: str = "/progress/api/", method: str = "GET",
            **headers: str) -> dict:
    return {"REQUEST_METHOD": method, "PATH_INFO": path,
            "QUERY_STRING": query if isinstance(query, str) else urlencode(query),
            "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": host, "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
            "wsgi.multiprocess": True, "wsgi.run_once": False, **headers}


def call(app, env: dict) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of one WSGI request; the test's transaction kept open, as Django's test
    client keeps it (no connection closed at the request's start or end)."""
    answer: dict = {}

    def start_response(status, headers, exc_info=None):  # noqa: ARG001 - the WSGI signature
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = app(env, start_response)
        body = b"".join(response)
        if hasattr(response, "close"):
            response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], body


@pytest.fixture
def lean():
    return LeanProgressHandler()


@pytest.fixture
def full():
    return WSGIHandler()


def _without_csrf_tokens(answer: tuple[int, dict[str, str], bytes]) -> tuple[int, dict[str, str], bytes]:
    """A page's CSRF token is masked afresh on every request: the one part two answers may not share."""
    status, headers, body = answer
    return status, headers, re.sub(rb'"X-CSRFToken": "[^"]+"', b"", body)


def both(lean, full, env: dict) -> tuple[int, dict[str, str], bytes]:
    """Ask the lean path and then the full stack the same question; they must answer alike."""
    assert lean_request(env)
    lean_answer = call(lean, dict(env, **{"wsgi.input": io.BytesIO(b"")}))
    full_answer = call(full, dict(env, **{"wsgi.input": io.BytesIO(b"")}))
    assert _without_csrf_tokens(lean_answer) == _without_csrf_tokens(full_answer)
    return lean_answer


def test_a_found_case_is_answered_byte_for_byte_as_the_full_stack_does(case, beilin, lean, full):
    status, headers, body = both(lean, full, environ(host=host_of(beilin),
                                                     query={"number": case.number, "factor": "002X"}))
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert headers["Vary"] == "Accept, Accept-Language, Cookie, Accept-Encoding"  # gzip when asked (issue 19)
    assert headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in headers and headers["Content-Language"] == "en"
    assert case.number.encode() in body and VALID_ID.encode() not in body


def test_the_language_comes_from_accept_language_and_the_cookie(case, beilin, lean, full):
    query = {"number": case.number, "factor": "002X"}
    _s, headers, body = both(lean, full, environ(host=host_of(beilin), query=query,
                                                 HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"))
    assert headers["Content-Language"] == "zh-hans" and "已受理".encode() in body
    _s, headers, body = both(lean, full, environ(host=host_of(beilin), query=query,
                                                 HTTP_COOKIE=f"{settings.LANGUAGE_COOKIE_NAME}=zh-hans"))
    assert headers["Content-Language"] == "zh-hans"


@pytest.mark.parametrize(("query", "status", "code"), [
    ({"factor": "1234"}, 404, "not_found"),  # a wrong factor (the number added below)
    ({"number": "610103-20990101-99999", "factor": "1234"}, 404, "not_found"),  # an unknown number
    ({"factor": "12"}, 400, "validation_error"),
    ({}, 400, "validation_error"),
    ("number=61\x00&factor=002X", 400, "validation_error"),  # a NUL, refused before anything else
])
def test_refusals_are_the_full_stacks(case, beilin, lean, full, query, status, code):
    if isinstance(query, dict) and "number" not in query and "factor" in query:
        query = {"number": case.number, **query}
    answer_status, _headers, body = both(lean, full, environ(host=host_of(beilin), query=query))
    assert (answer_status, json.loads(body)["code"]) == (status, code)


def test_an_unknown_host_is_refused_as_the_full_stack_does(case, lean, full):
    status, _headers, body = both(lean, full, environ(host=f"nowhere.{settings.PLATFORM_DOMAIN}",
                                                      query={"number": case.number, "factor": "002X"}))
    assert status == 404 and case.number.encode() not in body


def test_wrong_factors_on_the_lean_path_are_counted_by_the_guard(case, beilin, lean, full):
    """The guard's first rule (5 wrong factors) trips on lean lookups alone; then the right factor gets
    "try later" on both paths."""
    wrong = environ(host=host_of(beilin), query={"number": case.number, "factor": "1234"})
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK,
                                           "DEFAULT_THROTTLE_RATES": {"progress": None}}):
        for _ in range(settings.PROGRESS_GUARD[0]["failures"]):
            assert call(lean, dict(wrong, **{"wsgi.input": io.BytesIO(b"")}))[0] == 404
        assert NumberGuard.objects.exists()
        right = environ(host=host_of(beilin), query={"number": case.number, "factor": "002X"})
        status, _headers, body = both(lean, full, right)
    assert status == 429 and b'"code":"rate_limited"' in body


def test_the_rate_limit_is_shared_with_the_full_stack_and_says_when_to_retry(case, beilin, lean, full):
    query = {"number": case.number, "factor": "002X"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK,
                                           "DEFAULT_THROTTLE_RATES": {"progress": "2/minute"}}):
        assert call(lean, environ(host=host_of(beilin), query=query))[0] == 200
        assert call(full, environ(host=host_of(beilin), query=query))[0] == 200
        status, headers, body = call(lean, environ(host=host_of(beilin), query=query))
        assert (status, int(headers["Retry-After"]) > 0) == (429, True)
        assert b'"code":"rate_limited"' in body and b"Too many lookups" in body
        # another client address has its own allowance
        assert call(lean, environ(host=host_of(beilin), query=query, REMOTE_ADDR="203.0.113.9"))[0] == 200


def test_forwarded_addresses_count_only_from_trusted_proxies(case, beilin, lean):
    query = {"number": case.number, "factor": "002X"}
    rates = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"progress": "1/minute"}}
    with override_settings(REST_FRAMEWORK=rates):  # no trusted proxy: the header is ignored
        assert call(lean, environ(host=host_of(beilin), query=query, HTTP_X_FORWARDED_FOR="198.51.100.1"))[0] == 200
        assert call(lean, environ(host=host_of(beilin), query=query, HTTP_X_FORWARDED_FOR="198.51.100.2"))[0] == 429
    with override_settings(REST_FRAMEWORK={**rates, "NUM_PROXIES": 1}):  # one proxy: its address counts
        assert call(lean, environ(host=host_of(beilin), query=query, HTTP_X_FORWARDED_FOR="198.51.100.3"))[0] == 200
        assert call(lean, environ(host=host_of(beilin), query=query, HTTP_X_FORWARDED_FOR="198.51.100.3"))[0] == 429


@pytest.mark.parametrize(("overrides", "taken"), [
    ({}, True),
    ({"HTTP_ACCEPT": "application/json"}, True),
    ({"HTTP_COOKIE": f"{settings.LANGUAGE_COOKIE_NAME}=en"}, True),
    ({"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}=abc"}, False),  # signed in: the full stack's checks
    ({"HTTP_ACCEPT": "text/html"}, False),  # DRF's browsable page
    ({"QUERY_STRING": "number=1&factor=2&format=api"}, False),
    ({"REQUEST_METHOD": "HEAD"}, False),
    ({"REQUEST_METHOD": "POST"}, False),
    ({"PATH_INFO": "/progress/api"}, False),  # the slash added by the full stack
    ({"PATH_INFO": "/progress/"}, False),
])
def test_only_anonymous_json_gets_of_the_api_take_the_lean_path(overrides, taken):
    assert lean_request({**environ(host="x", query="number=1&factor=2"), **overrides}) is taken


def test_the_front_sends_other_requests_to_the_full_stack(beilin):
    asked = []

    def django_app(env, start_response):
        asked.append(env["PATH_INFO"])
        start_response("204 No Content", [])
        return [b""]

    front = progress_front(django_app)
    assert call(front, environ(host=host_of(beilin), path="/progress/"))[0] == 204
    assert call(front, environ(host=host_of(beilin), query="number=1&factor=2",
                               HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=abc"))[0] == 204
    assert asked == ["/progress/", "/progress/api/"]
