"""An applicant books an appointment at Beilin's hall on a 360 px phone: chooses the slot on the next
working day, asks for the SMS code (read here from the outbox), books, and reads the confirmation with the
appointment code and the materials to bring. The queue, the item and the booking are committed and removed
afterwards."""
from __future__ import annotations

import re
import secrets

import pytest

from tests.browser.conftest import at, orm, phone, screenshot
from tests.hall.committed import free_letter

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

BEILIN = "610103"
ID_1955 = "610103195503150029"


def committed_hall() -> dict:
    """A queue open 00:00–23:59 serving a fresh item adopted by Beilin, and its first free slot on the next
    working day (the browser runs at real time)."""

    def create() -> dict:
        import datetime as dt

        from django.utils import timezone
        from django_tenants.utils import tenant_context

        from catalog.models import Adoption, Department
        from catalog.services import item_create, version_create_draft, version_publish
        from hall.selectors import slots_free
        from hall.services import queue_save
        from tenants.models import Centre

        centre = Centre.objects.get(division_code=BEILIN)
        department, _ = Department.objects.get_or_create(
            code="HB", defaults={"name_zh": "大厅测试局", "name_en": "Hall Test Bureau"})
        code = f"610100HB-GG-{secrets.randbelow(9000) + 1000:04d}"
        item = item_create(code=code, department=department, category="public_service", item_type="GG",
                           levels=["city", "district"], acting_user=None)
        version = version_create_draft(
            item=item, acting_user=None, effective_from=timezone.localdate(),
            content={"name_zh": "预约测试事项", "name_en": f"Booking test item {code[-4:]}", "legal_limit_days": 10,
                     "promised_limit_days": 5},
            materials=[{"name_zh": "户口簿", "name_en": "Household register"}])
        version_publish(version=version, acting_user=None)
        adoption = Adoption.objects.create(centre=centre, item=item, starts_on=timezone.localdate())
        with tenant_context(centre):
            letter = free_letter()
            queue = queue_save(letter=letter, name_zh="预约测试", name_en="Booking test", item_codes=[code],
                               opens_at=dt.time(0, 0), closes_at=dt.time(23, 59))
            now = timezone.now()
            today = timezone.localdate()
            slot = next(s for s in slots_free(centre=centre, queue=queue, now=now, limit=600) if s.day > today)
        return {"letter": letter, "queue_id": queue.pk, "item": code, "adoption_id": adoption.pk,
                "day": slot.day.isoformat(), "start": f"{slot.starts_at:%H:%M}"}

    return orm(create)


def sms_code(mobile: str) -> str:
    def read() -> str:
        from common.identity import recipient_hmac
        from notifications.models import OutboxMessage

        message = (OutboxMessage.objects.filter(template_key="hall_phone_code", to_hmac=recipient_hmac(mobile))
                   .order_by("-id").first())
        assert message is not None, "no SMS code in the outbox"
        return re.search(r"(\d{6})", message.body).group(1)

    return orm(read)


def booked_code(queue_id: int) -> str | None:
    def read() -> str | None:
        from django_tenants.utils import tenant_context

        from hall.models import Appointment
        from tenants.models import Centre

        with tenant_context(Centre.objects.get(division_code=BEILIN)):
            return Appointment.objects.filter(queue_id=queue_id).values_list("code", flat=True).first()

    return orm(read)


def remove(made: dict, mobile: str) -> None:
    def clean() -> None:
        from django_tenants.utils import tenant_context

        from catalog.models import Adoption
        from common.identity import recipient_hmac
        from hall.models import Appointment, AppointmentSlot, PhoneCode, Queue
        from notifications.models import OutboxMessage
        from tenants.models import Centre

        with tenant_context(Centre.objects.get(division_code=BEILIN)):
            Appointment.objects.filter(queue_id=made["queue_id"]).delete()
            AppointmentSlot.objects.filter(queue_id=made["queue_id"]).delete()
            PhoneCode.objects.filter(mobile_hmac=recipient_hmac(mobile)).delete()
            Queue.objects.filter(pk=made["queue_id"]).delete()
        OutboxMessage.objects.filter(to_hmac=recipient_hmac(mobile)).delete()
        Adoption.objects.filter(pk=made["adoption_id"]).delete()

    orm(clean)


def test_an_applicant_books_on_a_phone_with_the_sms_code(browser, live_url):
    made = committed_hall()
    mobile = f"139{secrets.randbelow(10 ** 8):08d}"
    tab = phone(browser)
    try:
        tab.goto(f"{at(live_url, 'beilin')}/hall/appointments/")
        tab.click(f"#queue-{made['letter']} a.button")
        tab.wait_for_selector("#booking")
        assert "Household register" in tab.inner_text("#materials"), "the only item's materials are shown"
        tab.select_option("#id_slot", f"{made['day']} {made['start']}")
        tab.fill("#id_name", "王秀兰")
        tab.fill("#id_id_number", ID_1955)
        tab.fill("#id_mobile", f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}")
        tab.click("#send-code")
        tab.wait_for_selector(".sms-code .sent")
        assert tab.input_value("#id_name") == "王秀兰", "the typed values are kept"
        screenshot(tab, "hall-booking-form-phone")
        tab.fill("#id_code", sms_code(mobile))
        tab.click("#book")
        tab.wait_for_selector("#appointment-code")
        code = tab.inner_text("#appointment-code").strip()
        assert code == booked_code(made["queue_id"])
        assert made["day"] in tab.inner_text("#slot") and "Household register" in tab.inner_text("#materials")
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the page fits a 360 px phone (scroll width {width})"
        screenshot(tab, "hall-booking-confirmation-phone")
    finally:
        tab.context.close()
        remove(made, mobile)
