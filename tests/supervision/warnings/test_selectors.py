"""Reads of the warnings room: a warning shows in the inbox of those concerned only."""
from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from supervision.warnings.selectors import warnings_for
from supervision.warnings.services import deadline_sweep
from tenants.choices import Role
from tests.supervision.warnings.conftest import accepted_case

pytestmark = pytest.mark.django_db
D = dt.date


def test_the_warnings_show_in_the_inbox_of_those_concerned_only(in_beilin, beilin, yanta, item, staff, make_user):
    accepted_case(in_beilin, staff["clerk"])
    deadline_sweep(today=D(2026, 10, 15))
    assert warnings_for(user=staff["clerk"], centre=beilin).count() == 1
    assert warnings_for(user=staff["chief"], centre=beilin).count() == 1
    assert warnings_for(user=staff["other_chief"], centre=beilin).count() == 0
    yanta_supervisor = make_user((yanta, Role.SUPERVISOR))
    with pytest.raises(Http404):
        warnings_for(user=yanta_supervisor, centre=beilin)
    assert warnings_for(user=make_user((beilin, Role.SUPERVISOR)), centre=beilin).count() == 1
