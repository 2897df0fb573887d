"""The icon browsers ask every host for: /favicon.ico answers on the platform's site and on a centre's."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("where", ["platform", "centre"])
def test_favicon_ico_answers_on_every_host_cacheable(where, centre_client, beilin):
    response = centre_client(beilin if where == "centre" else None).get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert "max-age=" in response["Cache-Control"] and "public" in response["Cache-Control"]


def test_pages_link_the_icon(centre_client, beilin):
    page = centre_client(beilin).get("/").content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon\.[0-9a-f]{12}\.svg"', page)  # fingerprinted
