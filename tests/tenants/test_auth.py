"""Sign-in security: lockouts after failed passwords (page and API) and their lifting, two-step sign-in,
the single-use centre-switch link, the CSP header, who may read the API docs, the admin's path."""
from __future__ import annotations

import importlib
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import clear_url_caches
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenants.choices import AuditKind, Role
from tenants.models import AuditEvent
from tests.conftest import host_of
from tests.tenants.test_views import switch_link

PASSWORD = "pw-12345-xyz"  # make_user's
LIMIT = settings.AXES_FAILURE_LIMIT


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


def token_of(client: Client, username: str, password: str = PASSWORD, **extra):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password, **extra},
                       content_type="application/json")


def code_now(device: TOTPDevice) -> str:
    """The authenticator app's current code (each code is accepted once: the device's last step is reset,
    as if the next 30-second step had come)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, drift=0)
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


# --- fault 2: passwords cannot be guessed without limit -----------------------------------------

def test_after_too_many_wrong_passwords_even_the_right_one_is_refused_on_the_page(beilin, make_user):
    make_user((beilin, Role.WINDOW_CLERK), username="guessed")
    client = Client(HTTP_HOST=host_of(beilin))
    for _ in range(LIMIT - 1):
        assert sign_in(client, "guessed", "wrong-guess").status_code == 200
    assert sign_in(client, "guessed", "wrong-guess").status_code == 429  # the limit reached
    locked = sign_in(client, "guessed")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_message_is_in_chinese_for_a_chinese_page(beilin, make_user):
    make_user((beilin, Role.WINDOW_CLERK), username="guessed-zh")
    client = Client(HTTP_HOST=host_of(beilin), HTTP_ACCEPT_LANGUAGE="zh-hans")
    for _ in range(LIMIT + 1):
        response = sign_in(client, "guessed-zh", "wrong-guess")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def test_many_accounts_guessed_from_one_address_lock_the_address(beilin, make_user):
    make_user((beilin, Role.WINDOW_CLERK), username="spared")
    client = Client(HTTP_HOST=host_of(beilin), REMOTE_ADDR="203.0.113.9")
    for n in range(LIMIT):
        sign_in(client, f"nobody-{n}", "wrong-guess")
    assert sign_in(client, "spared").status_code == 429
    other_address = Client(HTTP_HOST=host_of(beilin), REMOTE_ADDR="203.0.113.10")
    assert sign_in(other_address, "spared").status_code == 302  # the account itself is not locked


def test_signing_in_to_ones_own_account_does_not_wipe_the_failures_against_another(beilin, make_user):
    """An attacker with an account of their own cannot reset the count by signing in between guesses."""
    make_user((beilin, Role.CHIEF_REPRESENTATIVE), username="target")
    make_user((beilin, Role.WINDOW_CLERK), username="attacker")
    for _ in range(2):
        for _ in range(LIMIT // 2):
            assert sign_in(Client(HTTP_HOST=host_of(beilin)), "target", "wrong-guess").status_code == 200
        assert sign_in(Client(HTTP_HOST=host_of(beilin)), "attacker").status_code == 302
        assert token_of(Client(HTTP_HOST=host_of(beilin)), "attacker").status_code == 200
    for _ in range(LIMIT - 2 * (LIMIT // 2)):
        sign_in(Client(HTTP_HOST=host_of(beilin)), "target", "wrong-guess")
    assert sign_in(Client(HTTP_HOST=host_of(beilin), REMOTE_ADDR="198.51.100.7"), "target").status_code == 429


def test_the_owners_own_sign_in_forgets_their_earlier_slips(beilin, make_user):
    make_user((beilin, Role.WINDOW_CLERK), username="slips")
    client = Client(HTTP_HOST=host_of(beilin))
    for _ in range(LIMIT - 1):
        sign_in(client, "slips", "wrong-guess")
    assert sign_in(client, "slips").status_code == 302
    client.logout()
    assert sign_in(client, "slips", "wrong-guess").status_code == 200  # a fresh count: one slip, no lockout
    assert sign_in(client, "slips").status_code == 302


def test_the_token_endpoint_locks_too_and_answers_in_the_error_shape(centre_client, beilin, make_user):
    make_user((beilin, Role.WINDOW_CLERK), username="api-guessed")
    client = centre_client(beilin)
    assert token_of(client, "api-guessed").status_code == 200
    for _ in range(LIMIT - 1):
        assert token_of(client, "api-guessed", "wrong-guess").status_code == 400
    assert token_of(client, "api-guessed", "wrong-guess").status_code == 429  # the limit reached
    locked = token_of(client, "api-guessed")
    assert locked.status_code == 429
    body = locked.json()
    assert body["code"] == "sign_in_locked" and "Too many failed sign-ins" in body["message"]
    assert body["extra"]["retry_after_minutes"] == 15


def test_a_platform_admin_lifts_a_lockout_and_it_is_audited(centre_client, beilin, make_user):
    make_user((beilin, Role.WINDOW_CLERK), username="forgetful")
    admin = make_user((None, Role.PLATFORM_ADMIN), username="unlocker")
    person = Client(HTTP_HOST=host_of(beilin), REMOTE_ADDR="198.51.100.7")
    for _ in range(LIMIT):
        sign_in(person, "forgetful", "wrong-guess")
    assert sign_in(person, "forgetful").status_code == 429

    assert centre_client(None, make_user((beilin, Role.CENTRE_ADMIN))).get("/sign-ins/locked/").status_code == 404
    platform = centre_client(None, admin)
    page = platform.get("/sign-ins/locked/").content.decode()
    assert "forgetful" in page and "198.51.100.7" in page
    assert platform.post("/sign-ins/locked/", {"username": "forgetful"}).status_code == 302
    platform.post("/sign-ins/locked/", {"ip_address": "198.51.100.7"})

    assert sign_in(person, "forgetful").status_code == 302
    event = AuditEvent.objects.filter(kind=AuditKind.USER_UNLOCKED, target_label="forgetful").get()
    assert event.actor == admin
    assert "forgetful" not in platform.get("/sign-ins/locked/").content.decode()


# --- fault 2: the second factor -----------------------------------------------------------------

def turn_on_second_factor(client: Client) -> TOTPDevice:
    page = client.get("/accounts/two-step/")
    assert page.status_code == 200 and 'id="otp-secret"' in page.content.decode() and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user__username=page.context["user"].username, confirmed=False)
    assert client.post("/accounts/two-step/", {"code": "000000" if code_now(device) != "000000" else "111111"}
                       ).status_code == 400  # a wrong code does not turn it on
    assert client.post("/accounts/two-step/", {"code": code_now(device)}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_an_admin_turns_two_step_sign_in_on_and_then_needs_a_code(centre_client, beilin, make_user):
    admin = make_user((beilin, Role.CENTRE_ADMIN), username="careful-admin")
    device = turn_on_second_factor(centre_client(beilin, admin))
    assert AuditEvent.objects.filter(kind=AuditKind.SECOND_FACTOR_ADDED, actor=admin).exists()

    client = Client(HTTP_HOST=host_of(beilin))
    without = sign_in(client, "careful-admin")
    assert without.status_code == 200 and "Enter the 6-digit code" in without.content.decode()
    assert "That code is not right" in sign_in(client, "careful-admin", otp_token="12345x").content.decode()
    assert sign_in(client, "careful-admin", otp_token=code_now(device)).status_code == 302
    assert client.get("/accounts/two-step/").context["user"].is_verified()

    api = centre_client(beilin)
    assert token_of(api, "careful-admin").json()["code"] == "second_factor_code_required"
    assert "token" in token_of(api, "careful-admin", otp_token=code_now(device)).json()


def test_a_right_code_typed_too_soon_after_wrong_ones_is_told_to_wait_not_that_it_is_wrong(
        centre_client, beilin, make_user):
    admin = make_user((beilin, Role.CENTRE_ADMIN), username="hasty-admin")
    device = turn_on_second_factor(centre_client(beilin, admin))
    client = Client(HTTP_HOST=host_of(beilin))
    for wrong in ("000000", "111111", "222222"):
        sign_in(client, "hasty-admin", otp_token=wrong)
    page = sign_in(client, "hasty-admin", otp_token=code_now(device)).content.decode()
    assert "Please wait" in page and "That code is not right" not in page
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)  # the wait is over
    assert sign_in(client, "hasty-admin", otp_token=code_now(device)).status_code == 302


def test_two_step_sign_in_is_turned_off_with_a_current_code(centre_client, beilin, make_user):
    admin = make_user((beilin, Role.CENTRE_ADMIN))
    client = centre_client(beilin, admin)
    device = turn_on_second_factor(client)
    assert client.post("/accounts/two-step/", {"code": code_now(device)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert AuditEvent.objects.filter(kind=AuditKind.SECOND_FACTOR_REMOVED, actor=admin).exists()


def test_a_clerk_has_no_two_step_page(centre_client, beilin, make_user):
    clerk = make_user((beilin, Role.WINDOW_CLERK))
    assert centre_client(beilin, clerk).get("/accounts/two-step/").status_code == 404


@override_settings(GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS=True)
def test_when_required_a_platform_admin_sets_up_a_second_factor_before_anything_else(centre_client, make_user):
    admin = make_user((None, Role.PLATFORM_ADMIN), username="must-verify")
    client = centre_client(None, admin)
    assert client.get("/onboard/")["Location"] == "/accounts/two-step/"
    assert client.get("/api/v1/centres/").json()["code"] == "second_factor_required"
    assert token_of(centre_client(None), "must-verify").status_code == 403
    turn_on_second_factor(client)
    assert client.get("/onboard/").status_code == 200
    assert "must keep two-step sign-in on" in client.get("/accounts/two-step/").content.decode()


# --- fault 5: the centre-switch link is single use and bound to the browser that asked ----------

@pytest.fixture
def switcher(beilin, yanta, make_user):
    user = make_user((beilin, Role.WINDOW_CLERK), (yanta, Role.WINDOW_CLERK), username="switcher")
    here, there = Client(HTTP_HOST=host_of(beilin)), Client(HTTP_HOST=host_of(yanta))
    here.force_login(user)
    return user, here, there


def test_a_switch_link_works_once(switcher):
    user, here, there = switcher
    link = switch_link(here, there, "yanta")
    assert there.get(link)["Location"] == "/"
    there.logout()
    again = there.get(link)
    assert again.status_code == 302 and again["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in there.session


def test_a_switch_link_opened_in_another_browser_signs_nobody_in(switcher, yanta):
    user, here, there = switcher
    link = switch_link(here, there, "yanta")
    thief = Client(HTTP_HOST=host_of(yanta))
    assert thief.get(link)["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in thief.session
    assert there.get(link)["Location"].startswith("/accounts/login/")  # and the link is spent


@override_settings(HANDOFF_MAX_AGE=1)
def test_a_switch_link_opened_after_it_expired_signs_nobody_in(switcher):
    user, here, there = switcher
    link = switch_link(here, there, "yanta")
    time.sleep(2.1)
    assert there.get(link)["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in there.session


def test_a_browser_signed_in_as_someone_else_is_not_switched(switcher, yanta, make_user):
    user, here, there = switcher
    victim = make_user((yanta, Role.WINDOW_CLERK), username="victim")
    link = switch_link(here, there, "yanta")
    there.force_login(victim)
    response = there.get(link, follow=True)
    assert "sign out first" in response.content.decode()
    assert int(there.session["_auth_user_id"]) == victim.pk


def test_a_link_minted_without_the_state_of_this_browser_is_refused(switcher, yanta):
    user, here, there = switcher
    forged = urlsplit(here.get("/switch/yanta/", {"state": "chosen-by-an-attacker"})["Location"])
    victim_browser = Client(HTTP_HOST=host_of(yanta))
    victim_browser.get("/accounts/handoff/begin/")  # a state of its own
    assert victim_browser.get(f"{forged.path}?{forged.query}")["Location"].startswith("/accounts/login/")


# --- fault 11: defence in depth -----------------------------------------------------------------

def test_pages_carry_a_content_security_policy_without_inline_script(centre_client, beilin):
    policy = centre_client(beilin).get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/api/schema/"])
def test_the_api_docs_need_signed_in_staff_when_not_public(path, centre_client, make_user):
    with override_settings(GOVSERVICE_PUBLIC_API_DOCS=False):
        assert centre_client(None).get(path)["Location"].startswith("/accounts/login/")
        assert centre_client(None, make_user()).get(path).status_code == 403
        assert centre_client(None, make_user((None, Role.PLATFORM_ADMIN))).get(path).status_code == 200
    with override_settings(GOVSERVICE_PUBLIC_API_DOCS=True):
        assert centre_client(None).get(path).status_code == 200


def test_the_demo_logins_need_no_second_factor_in_the_dev_run():
    dev = importlib.import_module("config.settings.dev")
    assert dev.GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS is False and dev.GOVSERVICE_PUBLIC_API_DOCS is True


def test_the_public_api_docs_are_off_in_production_settings():
    source = (settings.BASE_DIR / "config" / "settings" / "production.py").read_text()
    assert 'GOVSERVICE_PUBLIC_API_DOCS = env.env_bool("GOVSERVICE_PUBLIC_API_DOCS", False)' in source
    assert 'GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS = env.env_bool("GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS", True)' \
        in source


@pytest.fixture
def admin_at(request):
    """The platform's URLs re-read with DJANGO_ADMIN_PATH set to `request.param`."""
    import config.urls_public  # noqa: PLC0415 - re-imported under the setting

    with override_settings(DJANGO_ADMIN_PATH=request.param):
        clear_url_caches()
        importlib.reload(config.urls_public)
        yield request.param
    clear_url_caches()
    importlib.reload(config.urls_public)


@pytest.mark.parametrize("admin_at", ["back-office-7f3/"], indirect=True)
def test_the_admin_moves_to_its_configured_path(admin_at, centre_client):
    client = centre_client(None)
    assert client.get(f"/{admin_at}")["Location"].startswith(f"/{admin_at}login/")
    assert client.get("/admin/").status_code == 404


def test_a_verified_second_factor_carries_over_a_centre_switch(beilin, yanta, make_user):
    admin = make_user((beilin, Role.CENTRE_ADMIN), (yanta, Role.CENTRE_ADMIN), username="verified-admin")
    here, there = Client(HTTP_HOST=host_of(beilin)), Client(HTTP_HOST=host_of(yanta))
    here.force_login(admin)
    device = turn_on_second_factor(here)
    assert there.get(switch_link(here, there, "yanta"))["Location"] == "/"
    assert there.get("/accounts/two-step/").context["user"].is_verified()
    assert device.confirmed


def test_the_admin_signs_in_through_the_sites_page_with_its_lockout_and_code(centre_client):
    page = centre_client(None).get(f"/{settings.DJANGO_ADMIN_PATH}login/?next=/{settings.DJANGO_ADMIN_PATH}")
    assert page.status_code == 200 and 'name="otp_token"' in page.content.decode()
