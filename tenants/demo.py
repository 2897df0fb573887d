"""The demo network: Xi'an's city centre, 13 districts/counties, 8 zones, 178 townships/streets."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password

from tenants.choices import Role
from tenants.importers import read_centre_file
from tenants.models import Centre, User
from tenants.services import OnboardResult, centre_bulk_onboard, membership_grant, user_get_or_create

NETWORK_CSV = Path(__file__).resolve().parent / "data" / "xian_network.csv"

#: (username, full name, [(centre slug or None, role)])
DEMO_USERS: list[tuple[str, str, list[tuple]]] = [
    ("platform", "平台管理员", [(None, Role.PLATFORM_ADMIN)]),
    ("coordinator", "市级协调员", [
        ("xian", Role.CENTRE_ADMIN), ("beilin", Role.SUPERVISOR), ("yanta", Role.SUPERVISOR),
        ("gaoxin", Role.SUPERVISOR)]),
    ("chief-beilin", "碑林区首席代表", [("beilin", Role.CHIEF_REPRESENTATIVE)]),
    ("clerk-beilin", "碑林区窗口人员", [("beilin", Role.WINDOW_CLERK)]),
    ("clerk-beilin-sc", "碑林区市场监管窗口人员", [("beilin", Role.WINDOW_CLERK, "SC")]),
    ("supervisor-xian", "市电子监察员", [("xian", Role.SUPERVISOR)]),
    ("agent-nanyuanmen", "南院门村级代办员", [("beilin-nanyuanmen", Role.VILLAGE_AGENT)]),
    ("clerk-xian", "市政务服务中心窗口人员", [("xian", Role.WINDOW_CLERK)]),
    ("chief-xian", "市政务服务中心首席代表", [("xian", Role.CHIEF_REPRESENTATIVE)]),
    ("clerk-gaoxin", "高新区政务中心窗口人员", [("gaoxin", Role.WINDOW_CLERK)]),
    ("chief-gaoxin", "高新区政务中心首席代表", [("gaoxin", Role.CHIEF_REPRESENTATIVE)]),
]

#: The demo staff's names on English pages.
DEMO_NAMES_EN = {
    "platform": "Platform administrator", "coordinator": "City coordinator",
    "chief-beilin": "Beilin chief representative", "clerk-beilin": "Beilin window clerk",
    "clerk-beilin-sc": "Beilin market regulation window clerk", "supervisor-xian": "City e-supervisor",
    "agent-nanyuanmen": "Nanyuanmen village agent", "clerk-xian": "City centre window clerk",
    "chief-xian": "City centre chief representative", "clerk-gaoxin": "Gaoxin centre window clerk",
    "chief-gaoxin": "Gaoxin centre chief representative",
}

#: Addresses of a few demo centres (shown on guides and printed receipts).
DEMO_ADDRESSES = {
    "xian": ("西安市未央区凤城八路 109 号市政务服务中心", "029-86787000"),
    "beilin": ("西安市碑林区南关正街 88 号碑林区政务服务中心", "029-87451234"),
    "yanta": ("西安市雁塔区雁塔北路 2 号雁塔区政务服务中心", "029-85231234"),
}


def demo_network_provision(*, progress: Callable[[int, int, OnboardResult], None] | None = None) -> dict:
    """Onboard the demo network and its users (the rest of the demo: `demo.provision`). Idempotent: a
    second run changes nothing and takes a second or two."""
    started = time.perf_counter()
    with NETWORK_CSV.open("rb") as stream:
        rows = read_centre_file(stream, NETWORK_CSV.name)
    results = centre_bulk_onboard(rows=rows, acting_user=None, progress=progress,
                                  admin_username=lambda row: f"admin-{row.slug}")
    password_hash = make_password(settings.DEMO_PASSWORD)
    centres = {c.slug: c for c in Centre.objects.all()}
    for username, full_name, roles in DEMO_USERS:
        user = user_get_or_create(username=username, full_name=full_name, full_name_en=DEMO_NAMES_EN[username],
                                  password_hash=password_hash)
        if not user.full_name_en:  # a demo provisioned before staff had English names
            User.objects.filter(pk=user.pk).update(full_name_en=DEMO_NAMES_EN[username])
        for slug, role, *dept in roles:
            membership_grant(user=user, centre=centres[slug] if slug else None, role=role, acting_user=None,
                             department_code=dept[0] if dept else "")
    # the demo's platform administrator also opens Django's admin (holiday schedules, closure days, key
    # projects); a real install makes its own with `manage createsuperuser`
    User.objects.filter(username="platform").update(is_staff=True, is_superuser=True)
    for slug, (address, phone) in DEMO_ADDRESSES.items():
        Centre.objects.filter(slug=slug, address="").update(address=address, phone=phone)
    return {"centres": len(results), "created": sum(r.created for r in results),
            "network_seconds": round(time.perf_counter() - started, 2)}
