"""Notifications: which SMS backend sends the outbox, and its settings (from the environment)."""
from config import env

#: console (log, phone masked), file (JSON lines under var/sms), http (a generic gateway).
SMS_BACKEND = env.SMS_BACKEND
SMS_FILE_PATH = env.VAR_DIR / "sms" / "outbox.jsonl"
SMS_HTTP_URL = env.env_str("SMS_HTTP_URL")
SMS_HTTP_TOKEN = env.env_str("SMS_HTTP_TOKEN")
SMS_HTTP_TIMEOUT = env.env_float("SMS_HTTP_TIMEOUT", 5.0)
#: Retries of a failed send, with exponential backoff from OUTBOX_RETRY_BASE_SECONDS.
OUTBOX_MAX_ATTEMPTS = env.env_int("OUTBOX_MAX_ATTEMPTS", 6)
OUTBOX_RETRY_BASE_SECONDS = env.env_float("OUTBOX_RETRY_BASE_SECONDS", 30.0)
#: A message `sending` longer than this was taken by a worker that died mid-send: the sweep sends it again (the
#: at-least-once window, docs/operations.md "Faults and several processes"). Keep it above SMS_HTTP_TIMEOUT.
OUTBOX_SENDING_STALE_SECONDS = env.env_float("OUTBOX_SENDING_STALE_SECONDS", 300.0)
