"""Provision the whole demo: the network (tenants.demo), a few windows at two centres, the catalogue,
joint approvals, delegation and the halls of those two centres (demo.hall), in steps. Each step is
idempotent and its completion is recorded (`DemoStep`): a run stopped half-way (a crash, a lost
connection, Ctrl-C) is resumed at the first step not recorded, and once every step is recorded nothing
is provisioned again."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password

from catalog.demo import demo_catalogue_provision, demo_forms_provision
from delegation.demo import demo_provision as demo_delegation_provision
from demo.hall import demo_hall_provision
from demo.models import DemoStep, DemoStepName
from demo.portal import demo_portal_provision
from joint_approval.demo import demo_provision as demo_joint_provision
from news.demo import demo_news_provision
from tenants.choices import Role
from tenants.demo import NETWORK_CSV, demo_network_provision
from tenants.importers import read_centre_file
from tenants.models import Centre, Membership
from tenants.services import OnboardResult, centre_admin_names, membership_grant, user_get_or_create
from windows.door import windows_ensure

DEMO_WINDOWS = {
    "xian": [("A01", "综合受理窗口", "General acceptance window", "市政务服务中心"),
             ("B01", "市场监管窗口", "Market regulation window", "市市场监督管理局"),
             ("C01", "住房和城乡建设窗口", "Housing and construction window", "市住房和城乡建设局")],
    "beilin": [("1", "综合受理窗口", "General acceptance window", "碑林区政务服务中心"),
               ("2", "社会保障窗口", "Social security window", "碑林区人社局")],
}

Progress = Callable[[int, int, OnboardResult], None]


def _network(progress: Progress | None) -> dict:
    result = demo_network_provision(progress=progress)
    _ensure_centre_admins()
    return result


def _ensure_centre_admins() -> None:
    """Every demo centre has its `admin-<slug>`, also one whose onboarding was completed by
    `resume_onboarding` (which does not know the administrator asked for)."""
    with_admin = set(Membership.objects.filter(role=Role.CENTRE_ADMIN, user__username__startswith="admin-")
                     .values_list("centre__slug", flat=True))
    missing = Centre.objects.exclude(slug__in=with_admin).order_by("division_code")
    if not missing.exists():
        return
    password_hash = make_password(settings.DEMO_PASSWORD)
    for centre in missing:
        full_name, full_name_en = centre_admin_names(name_zh=centre.name_zh, name_en=centre.name_en)
        admin = user_get_or_create(username=f"admin-{centre.slug}", full_name=full_name, full_name_en=full_name_en,
                                   password_hash=password_hash)
        membership_grant(user=admin, centre=centre, role=Role.CENTRE_ADMIN, acting_user=None)


def _windows(_progress: Progress | None) -> dict:
    for centre in Centre.objects.filter(slug__in=DEMO_WINDOWS):
        windows_ensure(centre=centre, windows=DEMO_WINDOWS[centre.slug])
    return {"centres": sorted(DEMO_WINDOWS)}


def _news(_progress: Progress | None) -> dict:
    """A few items' forms and samples on a new version (each writes its "procedure changed" posts), and the
    posts of the city centre and Beilin."""
    return {"forms": demo_forms_provision(), "news": demo_news_provision()}


#: The steps in order (each idempotent): a later step reads what the earlier ones made.
STEPS: list[tuple[str, Callable[[Progress | None], dict]]] = [
    (DemoStepName.NETWORK, _network),
    (DemoStepName.WINDOWS, _windows),
    (DemoStepName.CATALOGUE, lambda _progress: demo_catalogue_provision()),
    (DemoStepName.JOINT, lambda _progress: demo_joint_provision()),
    (DemoStepName.DELEGATION, lambda _progress: demo_delegation_provision()),
    (DemoStepName.HALL, lambda _progress: demo_hall_provision()),
    (DemoStepName.NEWS, _news),
    (DemoStepName.PORTAL, lambda _progress: demo_portal_provision()),
]


@dataclass(frozen=True)
class DemoState:
    """Where the demo stands: the steps still to run, and the centres that are not the demo's."""

    missing: list[str] = field(default_factory=list)
    foreign_centres: int = 0

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def started(self) -> bool:
        """Some step was recorded as done."""
        return len(self.missing) < len(STEPS)


def demo_state() -> DemoState:
    done = set(DemoStep.objects.values_list("name", flat=True))
    demo_codes = {row.code for row in _network_rows()}
    foreign = Centre.objects.exclude(division_code__in=demo_codes).count()
    return DemoState(missing=[name for name, _step in STEPS if name not in done], foreign_centres=foreign)


def _network_rows() -> list:
    with NETWORK_CSV.open("rb") as stream:
        return read_centre_file(stream, NETWORK_CSV.name)


def demo_provision(*, progress: Progress | None = None,
                   on_step: Callable[[str], None] | None = None) -> dict:
    """Run every step not recorded as done, in order, recording each as it completes. Returns what each
    step run did (`resumed`: the steps that ran, `skipped`: those done before), and the seconds it all
    took. A step that fails raises: the steps before it stay recorded, the next run starts at it."""
    started = time.perf_counter()
    done = set(DemoStep.objects.values_list("name", flat=True))
    summary: dict = {"ran": [], "skipped": []}
    for name, step in STEPS:
        if name in done:
            summary["skipped"].append(str(name))
            continue
        if on_step:
            on_step(str(name))
        step_started = time.perf_counter()
        summary[str(name)] = step(progress)
        DemoStep.objects.update_or_create(name=name,
                                          defaults={"seconds": round(time.perf_counter() - step_started, 2)})
        summary["ran"].append(str(name))
    network = summary.get(str(DemoStepName.NETWORK), {})
    summary.update(centres=Centre.objects.count(), created=network.get("created", 0),
                   seconds=round(time.perf_counter() - started, 2))
    return summary
