"""Demo data of the joint_approval app (provisioned with the demo network)."""
from __future__ import annotations


def demo_provision() -> dict:
    return {}
