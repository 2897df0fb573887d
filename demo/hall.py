"""The demo's halls (大厅) at the city centre and Beilin: queues A 市场监管·企业开办, B 社保医保, C 不动产,
D 综合受理 with their windows and clerks, a kiosk, the hall screen and a rating pad at each window, a
morning of tickets and appointments. Everything goes through `hall.door` (the demo never enters a
centre's schema itself).

The morning is today's when today is a working day and the hall has been open a while (from 9:00 until
now, from 10:30), else the previous working day's (9:00 to 11:45); appointments are booked for the next five
working days. The devices' keys are derived from the installation's `SECRET_KEY` (demo only: a real
centre registers its devices and is shown each key once), so the demo's summary can print the device
pages again on every run.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import zlib

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from hall import door as hall_door
from hall.door import DemoDevice, DemoQueue
from tenants.addresses import centre_address
from tenants.choices import Role
from tenants.models import Centre, User
from tenants.services import membership_grant, user_get_or_create
from windows.door import windows_ensure
from workcalendar.clock import WorkCalendar

PERSON, ORGANISATION = "person", "organisation"

#: The windows the halls add to the demo's (demo.provision.DEMO_WINDOWS): (number, names, department).
HALL_WINDOWS = {
    "xian": [("B02", "企业开办窗口", "Business start-up window", "市市场监督管理局"),
             ("D01", "社会保险窗口", "Social insurance window", "市人力资源和社会保障局"),
             ("D02", "医疗保险窗口", "Medical insurance window", "市医疗保障局"),
             ("E01", "不动产登记窗口", "Real estate registration window", "市不动产登记中心")],
    "beilin": [("3", "市场监管窗口", "Market regulation window", "碑林区市场监督管理局"),
               ("4", "不动产登记窗口", "Real estate registration window", "碑林区不动产登记中心")],
}

_A = ("市场监管·企业开办", "Market regulation · starting a business", ("SC",), 12,
      (("610100SC-XK-0001-001", ORGANISATION), ("610100SC-XK-0006", ORGANISATION)))
_B = ("社保医保", "Social and medical insurance", ("RS",), 8,
      (("610100RS-GG-0005", PERSON), ("610100RS-GG-0003", PERSON)))
_C = ("不动产", "Real estate", ("ZR",), 15, (("610100ZR-GG-0001-002", PERSON),))
_D = ("综合受理", "General acceptance", (), 10, (("610100SC-GG-0002", PERSON),))


def _queue(letter: str, windows: tuple[str, ...], spec: tuple) -> DemoQueue:
    name_zh, name_en, departments, minutes, items = spec
    return DemoQueue(letter=letter, name_zh=name_zh, name_en=name_en, windows=windows, department_codes=departments,
                     service_minutes=minutes, case_items=items)


HALL_QUEUES = {
    "xian": [_queue("A", ("B01", "B02"), _A), _queue("B", ("D01", "D02"), _B), _queue("C", ("E01",), _C),
             _queue("D", ("A01", "C01"), _D)],
    "beilin": [_queue("A", ("3",), _A), _queue("B", ("2",), _B), _queue("C", ("4",), _C), _queue("D", ("1",), _D)],
}

#: The clerk at each window: window number → (username, name, English name, department); the demo's
#: users where they exist (tenants.demo.DEMO_USERS), the others made here.
HALL_CLERKS = {
    "xian": {"A01": ("clerk-xian", "市政务服务中心窗口人员", "City centre window clerk", ""),
             "B01": ("clerk-xian-sc", "市场监管窗口 王敏", "Market regulation clerk Wang Min", "SC"),
             "B02": ("clerk-xian-sc2", "企业开办窗口 李强", "Business start-up clerk Li Qiang", "SC"),
             "D01": ("clerk-xian-rs", "社会保险窗口 张静", "Social insurance clerk Zhang Jing", "RS"),
             "D02": ("clerk-xian-yb", "医疗保险窗口 刘洋", "Medical insurance clerk Liu Yang", "RS"),
             "E01": ("clerk-xian-bdc", "不动产登记窗口 陈杰", "Real estate clerk Chen Jie", "ZR")},
    "beilin": {"1": ("clerk-beilin", "碑林区窗口人员", "Beilin window clerk", ""),
               "2": ("clerk-beilin-rs", "碑林区社保窗口 赵丽", "Beilin social insurance clerk Zhao Li", "RS"),
               "3": ("clerk-beilin-sc", "碑林区市场监管窗口人员", "Beilin market regulation window clerk", "SC"),
               "4": ("clerk-beilin-bdc", "碑林区不动产窗口 孙涛", "Beilin real estate clerk Sun Tao", "ZR")},
}
#: ID numbers of the made-up applicants start with the centre's area.
AREAS = {"xian": "610102", "beilin": "610103"}
MORNING_END = dt.time(11, 45)
#: Today is played once the hall has been open this long (before, the previous working day's morning).
OPEN_A_WHILE = dt.time(10, 30)
CLOSING = dt.time(16, 59)
AHEAD_DAYS = 5


def device_key(*, slug: str, kind: str, name: str) -> str:
    """A demo device's key: 32 characters derived from `SECRET_KEY` (the same on every run)."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"demo-hall-device:{slug}:{kind}:{name}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:32]


def hall_devices(slug: str) -> list[DemoDevice]:
    """A kiosk, the hall screen and a rating pad at each window with a clerk."""
    devices = [("kiosk", "大厅取号机 1", ""), ("screen", "大厅叫号屏", "")]
    devices += [("pad", f"{number}号窗口评价器", number) for number in HALL_CLERKS[slug]]
    return [DemoDevice(kind=kind, name=name, window=window, key=device_key(slug=slug, kind=kind, name=name))
            for kind, name, window in devices]


def device_lines() -> list[str]:
    """The demo devices' pages, for the summary: `<centre> <device>  <address>`."""
    lines = []
    for centre in Centre.objects.filter(slug__in=HALL_QUEUES).order_by("level", "slug"):
        for device in hall_devices(centre.slug):
            address = centre_address(slug=centre.slug, path=hall_door.device_page(kind=device.kind, key=device.key))
            lines.append(f"{centre.slug:7s} {device.name:12s} {address}")
    return lines


def _clerks(slug: str, centre: Centre, password_hash: str) -> dict[str, User]:
    clerks = {}
    for number, (username, full_name, full_name_en, department) in HALL_CLERKS[slug].items():
        user = user_get_or_create(username=username, full_name=full_name, full_name_en=full_name_en,
                                  password_hash=password_hash)
        membership_grant(user=user, centre=centre, role=Role.WINDOW_CLERK, acting_user=None,
                         department_code=department)
        clerks[number] = user
    return clerks


def demo_day(centre: Centre, now: dt.datetime) -> tuple[dt.date, dt.datetime]:
    """The day the demo's morning is played and the moment it stops: today until now (at most until
    closing) when today is a working day and the hall opened a while ago, else the previous working day
    until 11:45."""
    calendar, here = WorkCalendar.for_centre(centre.pk), timezone.localtime(now)
    if calendar.kind(here.date())[0] and here.time() >= OPEN_A_WHILE:
        return here.date(), min(here, timezone.make_aware(dt.datetime.combine(here.date(), CLOSING)))
    day = here.date() - dt.timedelta(days=1)
    while not calendar.kind(day)[0]:
        day -= dt.timedelta(days=1)
    return day, timezone.make_aware(dt.datetime.combine(day, MORNING_END))


def demo_hall_provision(*, now: dt.datetime | None = None) -> dict:
    """The halls of the demo's city centre and Beilin (the centres that exist). Idempotent: what exists is
    left alone, a day with tickets is not played again."""
    now = now or timezone.now()
    password_hash = ""
    summary: dict = {}
    for centre in Centre.objects.filter(slug__in=HALL_QUEUES).order_by("level", "slug"):
        slug = centre.slug
        windows_ensure(centre=centre, windows=HALL_WINDOWS[slug])
        if not password_hash and User.objects.filter(
                username__in=[c[0] for c in HALL_CLERKS[slug].values()]).count() < len(HALL_CLERKS[slug]):
            password_hash = make_password(settings.DEMO_PASSWORD)
        clerks = _clerks(slug, centre, password_hash or "!")
        made = hall_door.demo_hall_setup(centre=centre, queues=HALL_QUEUES[slug], operators=clerks,
                                         devices=hall_devices(slug))
        day, until = demo_day(centre, now)
        seed = zlib.crc32(f"{slug}:{day}".encode())
        morning = hall_door.demo_hall_morning(
            centre=centre, queues=HALL_QUEUES[slug], clerks=clerks, day=day, until=until,
            booked_at=timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=1), dt.time(16))), seed=seed,
            area=AREAS[slug])
        calendar = WorkCalendar.for_centre(centre.pk)
        today = timezone.localtime(now).date()
        days = [calendar.add_workdays(today, n).date for n in range(1, AHEAD_DAYS + 1)]
        booked = hall_door.demo_hall_appointments(centre=centre, queues=HALL_QUEUES[slug], days=days,
                                                  now=max(now, until), seed=seed + 1, area=AREAS[slug])
        summary[slug] = {**made, "day": day.isoformat(), "until": f"{timezone.localtime(until):%H:%M}", **morning,
                         "appointments_ahead": booked}
    return summary
