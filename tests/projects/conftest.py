"""Fixtures of the key-project register's tests: the joint approvals' Gaoxin, items and city staff (for a
project registered by either service)."""
from tests.joint_approval.conftest import chief_city, company_items, gaoxin  # noqa: F401
