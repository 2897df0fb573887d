"""The API says what it does: schemathesis against a live server, on the platform's schema and a
centre's, as a platform administrator and as a window clerk.

Every answer must be one the schema promises (status code, content type, body, headers) and none a
server error. The run is bounded (a fixed seed, a few examples per operation) so CI stays fast.

State-changing operations run for real: against a centre made for this run (`api-probe`) and the
test database, which is thrown away afterwards; the module runs after every other test (see
`pytest_collection_modifyitems` in tests/conftest.py), so what it creates cannot disturb them.
"""
from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

#: The checks run (schemathesis' names).
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance")
SEED = 13
MAX_EXAMPLES = int(os.environ.get("GOVSERVICE_SCHEMATHESIS_EXAMPLES", "10"))
PROBE = ("township", "610103090", "api-probe", "API探针街道", "API Probe Subdistrict", "610103")
ST = Path(sys.executable).with_name("st")

pytestmark = pytest.mark.schema_conformance


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    """{"admin": token, "clerk": token}, committed so that the live server sees them."""
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from tenants.choices import Role
    from tenants.models import Centre
    from tenants.services import centre_bulk_onboard, membership_grant, user_get_or_create
    from tenants.validation import CentreInput

    with django_db_blocker.unblock():
        centre_bulk_onboard(rows=[CentreInput(*PROBE)], acting_user=None)
        probe = Centre.objects.get(division_code=PROBE[1])
        admin = user_get_or_create(username="schemathesis-admin", password="st-pw-12345-xyz")
        membership_grant(user=admin, centre=None, role=Role.PLATFORM_ADMIN, acting_user=None)
        clerk = user_get_or_create(username="schemathesis-clerk", password="st-pw-12345-xyz")
        membership_grant(user=clerk, centre=probe, role=Role.WINDOW_CLERK, acting_user=None)
        keys = {name: Token.objects.get_or_create(user=user)[0].key for name, user in
                (("admin", admin), ("clerk", clerk))}
        connection.set_schema_to_public()
    return keys


#: (schema, user): the platform's schema on the bare domain, a centre's on its host, each as both users.
RUNS = [(host, role) for host in ("platform", "centre") for role in ("admin", "clerk")]


def _command(*, origin: str, host_name: str, token: str, report_dir: Path) -> list[str]:
    return [
        str(ST), "run", f"{origin}/api/schema/", "--url", origin,
        "-H", f"Host: {host_name}", "-H", f"Authorization: Token {token}",
        "--checks", ",".join(CHECKS), "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES),
        "--phases", "examples,coverage,fuzzing", "--workers", "1", "--no-color",
        "--report", "junit", "--report-dir", str(report_dir),
    ]


def test_the_api_answers_as_its_schema_says(live_url, tokens, django_db_blocker, tmp_path):
    """The four runs go side by side (the server is threaded); each must end with no failure."""
    from django.conf import settings

    port = live_url.rsplit(":", 1)[1]
    origin = f"http://127.0.0.1:{port}"
    hosts = {"platform": settings.PLATFORM_DOMAIN, "centre": f"{PROBE[2]}.{settings.PLATFORM_DOMAIN}"}
    failed = []
    with django_db_blocker.unblock():  # the live server's threads use the (committed) test database
        for host_name in hosts.values():
            # drf-spectacular's first schema build loads its extensions lazily and is not thread-safe:
            # build each schema once before the four runs ask for it at the same moment.
            request = urllib.request.Request(f"{origin}/api/schema/", headers={  # noqa: S310 - our server
                "Host": f"{host_name}:{port}", "Authorization": f"Token {tokens['admin']}"})
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own live server
                assert response.status == 200
        runs = {(host, role): subprocess.Popen(
            _command(origin=origin, host_name=f"{hosts[host]}:{port}", token=tokens[role],
                     report_dir=tmp_path / f"{host}-{role}"),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path) for host, role in RUNS}
        for (host, role), process in runs.items():
            output, _ = process.communicate(timeout=600)
            if process.returncode != 0:
                failed.append(f"=== schemathesis on the {host}'s schema as the {role}: exit {process.returncode}\n"
                              f"{output}")
    assert not failed, "\n".join(failed)
