"""Page weight (issue 19): a page loads htmx only where it polls with it; static files are fingerprinted,
compressed (brotli or gzip, as the browser accepts) and cached for a year; pages are gzipped; every page's
document has a skip link to its main landmark. Through the WSGI application's middleware (WhiteNoise as
every run serves it: the test client goes through the same stack as gunicorn)."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest
from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from common.serving import CompressionMiddleware
from tenants.choices import BatchStatus, Role
from tenants.models import OnboardingBatch

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
BROWSER = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd"}


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _css_address(html: str) -> str:
    match = re.search(r'<link rel="stylesheet" href="(/static/css/site\.[0-9a-f]{12}\.css)">', html)
    assert match, "the page names its style sheet by its fingerprint"
    return match.group(1)


# --- htmx only where it is used ------------------------------------------------------------------

def test_standard_pages_load_no_htmx(centre_client, beilin):
    for client, path in ((centre_client(None), "/"), (centre_client(None), "/progress/"),
                         (centre_client(None), "/online/sign-in/"), (centre_client(None), "/online/"),
                         (centre_client(None), "/catalogue/"), (centre_client(beilin), "/")):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert "htmx" not in html, path
        assert len(re.findall(r"<script\b", html)) == 0, path  # no script at all on these pages


def test_the_onboarding_progress_loads_htmx_to_poll(centre_client, make_user):
    admin = make_user((None, Role.PLATFORM_ADMIN), username="weight-admin")
    batch = OnboardingBatch.objects.create(file_name="lianhu.csv", total=2, status=BatchStatus.PENDING)
    html = centre_client(None, admin).get(f"/onboard/batches/{batch.pk}/").content.decode()
    assert re.search(r'<script src="/static/django_htmx/htmx-2\.min\.[0-9a-f]{12}\.js" defer></script>', html)
    assert '"includeIndicatorStyles": false' in html  # htmx injects no inline style the CSP would refuse
    assert 'hx-trigger="every 1s"' in html


# --- static files ----------------------------------------------------------------------------------

def test_static_files_are_fingerprinted_compressed_and_cached_for_a_year(centre_client):
    client = centre_client(None)
    address = _css_address(client.get("/").content.decode())
    source = (ROOT / "static" / "css" / "site.css").read_bytes()

    brotli_answer = client.get(address, **BROWSER)
    assert brotli_answer.status_code == 200
    assert brotli_answer["Content-Encoding"] == "br"
    assert brotli_answer["Cache-Control"] == "max-age=31536000, public, immutable"
    assert "Accept-Encoding" in brotli_answer["Vary"]
    body = _body(brotli_answer)
    assert brotli.decompress(body) == source and len(body) < len(source) / 3

    gzip_answer = client.get(address, HTTP_ACCEPT_ENCODING="gzip")
    assert gzip_answer["Content-Encoding"] == "gzip"
    assert gzip.decompress(_body(gzip_answer)) == source

    plain = client.get(address)
    assert not plain.has_header("Content-Encoding") and _body(plain) == source
    assert plain["Cache-Control"] == "max-age=31536000, public, immutable"


def test_the_pages_name_only_collected_files():
    manifest = (Path(settings.STATIC_ROOT) / "staticfiles.json").read_text()
    assert '"css/site.css"' in manifest and '"django_htmx/htmx-2.min.js"' in manifest


# --- pages -----------------------------------------------------------------------------------------

def test_pages_are_gzipped_when_the_browser_accepts_it(centre_client, beilin):
    for client in (centre_client(None), centre_client(beilin)):
        compressed = client.get("/", **BROWSER)
        assert compressed["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in compressed["Vary"]
        html = gzip.decompress(compressed.content)
        assert b"</html>" in html and len(compressed.content) < len(html) / 2
        assert not client.get("/").has_header("Content-Encoding")  # a client that does not accept it


def test_a_streaming_answer_is_never_compressed():
    """The hall screen's event stream (and any file sent as it is read) reaches the client chunk by chunk:
    gzip would hold its events back until a compression block fills."""
    request = RequestFactory().get("/hall/stream/", **BROWSER)
    stream = StreamingHttpResponse(iter([b"event: call\ndata: {}\n\n"] * 50), content_type="text/event-stream")
    answer = CompressionMiddleware(lambda _request: stream)(request)
    assert not answer.has_header("Content-Encoding")
    page = CompressionMiddleware(lambda _request: HttpResponse(b"<p>x</p>" * 100))(request)
    assert page["Content-Encoding"] == "gzip"


# --- the skip link ---------------------------------------------------------------------------------

def _documents() -> list[Path]:
    """Every template that is a whole HTML document (a base template: the others extend one)."""
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(path for folder in folders for path in folder.rglob("*.html")
                  if "<html" in path.read_text(encoding="utf-8"))


def test_every_base_template_starts_with_a_skip_link_to_its_main_landmark():
    documents = _documents()
    assert {p.relative_to(ROOT).as_posix() for p in documents} >= {
        "templates/base.html", "delegation/templates/delegation/_lite.html"}
    for path in documents:
        text = path.read_text(encoding="utf-8")
        body = text.split("<body", 1)[1].split(">", 1)[1]
        first = re.search(r"<(a|header|main|nav|form|div|p|section)\b[^>]*>", body)
        assert first and 'href="#main"' in first.group(0), f"{path}: the skip link comes first in <body>"
        assert '{% translate "Skip to main content" %}' in body, path
        assert '<main id="main" tabindex="-1">' in body, path


def test_pages_of_each_base_template_carry_the_skip_link(centre_client, beilin):
    for client, path in ((centre_client(None), "/"), (centre_client(None), "/online/sign-in/"),
                         (centre_client(beilin), "/progress/")):
        html = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert re.search(r'<body[^>]*>\s*<a class="skip-link" href="#main">跳到正文</a>', html), path
        assert '<main id="main" tabindex="-1">' in html, path
