"""The SMS backends on their own: console (number masked), file (one JSON line), http (a real
local gateway)."""
from __future__ import annotations

import logging
import socket

import pytest
from django.core.exceptions import ImproperlyConfigured

from notifications.backends import ConsoleBackend, FileBackend, HttpBackend, SendError, get_backend
from tests.notifications.conftest import MASKED, PHONE


def test_the_console_backend_logs_the_message_with_the_number_masked(caplog):
    caplog.set_level(logging.DEBUG)
    ConsoleBackend().send(to=PHONE, text=f"您的办件已办结，回电 {PHONE}", message_id="7")
    assert "您的办件已办结" in caplog.text
    assert MASKED in caplog.text
    assert PHONE not in caplog.text
    assert all(PHONE not in record.getMessage() for record in caplog.records)


def test_the_file_backend_appends_one_json_line_per_message_creating_its_folders(sms_file):
    backend = get_backend()
    assert isinstance(backend, FileBackend)
    backend.send(to=PHONE, text="第一条", message_id="1")
    backend.send(to="13900001111", text="second", message_id="2")
    lines = sms_file.lines()
    assert [(line["id"], line["to"], line["text"]) for line in lines] == [
        ("1", PHONE, "第一条"), ("2", "13900001111", "second")]
    assert "第一条" in sms_file.path.read_text(encoding="utf-8")  # UTF-8, not \u escapes


def test_the_console_line_masks_the_number_in_national_form_and_any_id_number(caplog):
    caplog.set_level(logging.DEBUG)
    ConsoleBackend().send(to=PHONE, text="回电 13812345678，身份证 11010519491231002X，办件 610103-20261130-00011",
                          message_id="8")
    assert "13812345678" not in caplog.text and "11010519491231002X" not in caplog.text
    assert "138****5678" in caplog.text and "**************002X" in caplog.text
    assert "610103-20261130-00011" in caplog.text  # a case number is not personal data


def test_the_file_backend_logs_no_full_number(sms_file, caplog):
    caplog.set_level(logging.DEBUG)
    get_backend().send(to=PHONE, text="x", message_id="1")
    assert MASKED in caplog.text and PHONE not in caplog.text


def test_the_http_backend_posts_json_with_the_bearer_token_and_returns_the_provider_id(gateway):
    provider_id = get_backend().send(to=PHONE, text="您好", message_id="42")
    assert provider_id == "gw-1"
    [request] = gateway.requests
    assert request["path"] == "/sms/send"
    assert request["json"] == {"to": PHONE, "text": "您好", "id": "42"}
    assert request["headers"]["Authorization"] == "Bearer test-token-123"
    assert request["headers"]["Content-Type"].startswith("application/json")


def test_a_2xx_without_an_id_is_sent_without_a_provider_id(gateway):
    gateway.responses.append((202, {"accepted": True}))
    assert get_backend().send(to=PHONE, text="x", message_id="1") == ""


@pytest.mark.parametrize("status", [500, 401, 404])
def test_a_non_2xx_answer_is_a_send_error_naming_the_status_but_not_the_token(gateway, status):
    gateway.responses.append((status, {"error": "nope"}))
    with pytest.raises(SendError, match=f"HTTP {status}") as exc:
        get_backend().send(to=PHONE, text="x", message_id="1")
    assert "test-token-123" not in str(exc.value) and PHONE not in str(exc.value)


def test_an_unreachable_gateway_is_a_send_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SendError, match="unreachable"):
        HttpBackend(url=f"http://127.0.0.1:{port}/", token="t", timeout=2).send(to=PHONE, text="x", message_id="1")


def test_a_slow_gateway_times_out_as_a_send_error(gateway):
    gateway.delay = 1.5
    with pytest.raises(SendError, match="timed out|unreachable"):
        HttpBackend(timeout=0.3).send(to=PHONE, text="x", message_id="1")


def test_a_url_that_is_not_http_is_refused_without_a_request():
    with pytest.raises(SendError, match="not an http"):
        HttpBackend(url="file:///etc/passwd", token="", timeout=1).send(to=PHONE, text="x", message_id="1")


def test_get_backend_follows_the_setting_and_refuses_an_unknown_name(settings):
    settings.SMS_BACKEND = "console"
    assert isinstance(get_backend(), ConsoleBackend)
    assert isinstance(get_backend("http"), HttpBackend)
    settings.SMS_BACKEND = "pigeon"
    with pytest.raises(ImproperlyConfigured, match="pigeon"):
        get_backend()
