"""Provision the whole demo: the network (tenants.demo), a few windows at two centres, the catalogue,
joint approvals and delegation. Idempotent: a second run changes nothing and takes a few seconds."""
from __future__ import annotations

import time
from collections.abc import Callable

from catalog.demo import demo_catalogue_provision
from delegation.demo import demo_provision as demo_delegation_provision
from joint_approval.demo import demo_provision as demo_joint_provision
from tenants.demo import demo_network_provision
from tenants.models import Centre
from tenants.services import OnboardResult
from windows.door import windows_ensure

DEMO_WINDOWS = {
    "xian": [("A01", "综合受理窗口", "General acceptance window", "市政务服务中心"),
             ("B01", "市场监管窗口", "Market regulation window", "市市场监督管理局"),
             ("C01", "住房和城乡建设窗口", "Housing and construction window", "市住房和城乡建设局")],
    "beilin": [("1", "综合受理窗口", "General acceptance window", "碑林区政务服务中心"),
               ("2", "社会保障窗口", "Social security window", "碑林区人社局")],
}


def demo_provision(*, progress: Callable[[int, int, OnboardResult], None] | None = None) -> dict:
    """Onboard the demo network and its users, then the windows, the catalogue, joint approvals and
    delegation. Returns what each step did, and the seconds it all took."""
    started = time.perf_counter()
    network = demo_network_provision(progress=progress)
    for centre in Centre.objects.filter(slug__in=DEMO_WINDOWS):
        windows_ensure(centre=centre, windows=DEMO_WINDOWS[centre.slug])
    catalogue = demo_catalogue_provision()
    joint = demo_joint_provision()
    delegation = demo_delegation_provision()
    return {**network, "catalogue": catalogue, "joint": joint, "delegation": delegation,
            "seconds": round(time.perf_counter() - started, 2)}
