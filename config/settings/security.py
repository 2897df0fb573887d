"""Sign-in security and defence in depth: lockouts (django-axes), the second factor (django-otp),
the Content-Security-Policy (django-csp 4), who may read the API docs, the admin's path.

Production overrides what differs there (config/settings/production.py); the environment is read
in config/env.py's helpers.
"""
import datetime as dt

from csp.constants import NONCE, NONE, SELF

from config import env

# --- lockouts (django-axes): failures are counted per account and per client address -------------
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"  # rows in the public schema, shared by every process
AXES_FAILURE_LIMIT = env.env_int("GOVSERVICE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.env_int("GOVSERVICE_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_CLIENT_IP_CALLABLE = "common.client.client_address"  # trusted proxies only (TRUSTED_PROXIES)
AXES_LOCKOUT_CALLABLE = "tenants.signin.lockout_response"
# axes' reset on success deletes every failure from the signing-in address, the attacked account's
# too: an attacker with an account of their own would sign in between guesses. The account's own
# failures are forgotten instead (tenants.signin.account_failures_forget, on user_logged_in).
AXES_RESET_ON_SUCCESS = False
AXES_ENABLE_ADMIN = False  # lift lockouts on the audited page (tenants.signin), not by deleting rows
AXES_VERBOSE = False

# --- the second factor (django-otp, TOTP) ---------------------------------------------------------
OTP_TOTP_ISSUER = env.env_str("GOVSERVICE_OTP_ISSUER", "政务服务平台 GovService")
#: Platform administrators must set up and use a second factor before anything else.
GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS = env.env_bool("GOVSERVICE_REQUIRE_2FA_PLATFORM_ADMINS", False)

# --- centre switch: how long a hand-off link lives (it is also single use) -----------------------
HANDOFF_MAX_AGE = 60  # seconds

# --- Content-Security-Policy (django-csp 4): no inline script; inline style only with the page's nonce -----
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # NONCE: a page may carry one <style nonce="{{ csp_nonce }}"> block (the agent's 6 KB phone
        # pages inline their CSS: one request on a slow link); the nonce is sent only when a page uses it
        "style-src": [SELF, NONCE],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # the centre switcher posts to this host and lands on a centre's host
        "form-action": [SELF, f"{env.PLATFORM_DOMAIN}:*", f"*.{env.PLATFORM_DOMAIN}:*"],
    },
}

# --- the API's docs and schema: open to anyone (dev), or signed-in staff only (production) --------
GOVSERVICE_PUBLIC_API_DOCS = env.env_bool("GOVSERVICE_PUBLIC_API_DOCS", True)

# --- the Django admin's path (a guessable /admin/ draws scans) -----------------------------------
DJANGO_ADMIN_PATH = env.env_str("DJANGO_ADMIN_PATH", "admin/").strip("/") + "/"
