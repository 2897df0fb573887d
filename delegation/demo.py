"""Demo data of the delegation app (provisioned with the demo network)."""
from __future__ import annotations


def demo_provision() -> dict:
    return {}
