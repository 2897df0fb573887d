"""Constants for case tests (the fixtures — an item adopted by Beilin, a clerk, a chief — are in
tests/conftest.py, shared with the calendar and registry tests)."""
from __future__ import annotations

VALID_ID = "11010519491231002X"
VALID_USCC = "91110000600037341L"
