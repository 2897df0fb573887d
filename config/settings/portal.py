"""The online service hall (网上办事大厅, `portal`): sign-in codes and uploads."""
import os

# SMS sign-in codes: each costs money, so they are capped per mobile and per client address.
PORTAL_CODE_VALID_MINUTES = 10
PORTAL_CODE_TRIES = 5
PORTAL_CODE_RESEND_SECONDS = 60
PORTAL_CODES_PER_MOBILE_HOUR = 5
PORTAL_CODES_PER_MOBILE_DAY = 10
PORTAL_CODES_PER_ADDRESS_HOUR = int(os.environ.get("PORTAL_CODES_PER_ADDRESS_HOUR", "30"))
#: How long an applicant stays signed in without coming back (seconds).
PORTAL_SESSION_SECONDS = 2 * 60 * 60
#: One material's file (PDF, JPEG, PNG) at most, in bytes: a phone's photo is 2-6 MB, a scan of a few pages less.
CASE_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
#: An item's form or sample (表单, 样表) at most, in bytes.
ITEM_FORM_MAX_BYTES = 10 * 1024 * 1024
