"""The register's admin page: the same checks as the service, the code stored folded, and the services'
records of the project shown on it (their inlines)."""
from __future__ import annotations

import pytest

from projects.models import KeyProject
from tenants.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(centre_client):
    user = User.objects.create_superuser(username="register-admin", password="pw-12345-xyz", email="r@example.org")
    return centre_client(None, user)


def _inline_management(admin_client) -> dict[str, int]:
    """The empty inlines the services add to the page (delegation's agents, problems, approvals)."""
    page = admin_client.get("/admin/projects/keyproject/add/")
    return {f"{inline.formset.prefix}-{field}": 0 for inline in page.context["inline_admin_formsets"]
            for field in ("TOTAL_FORMS", "INITIAL_FORMS")}


def test_a_project_added_in_the_admin_is_checked_as_the_service_checks_it(admin_client, nanyuanmen, beilin):
    data = {**_inline_management(admin_client), "year": 2014, "name_zh": "后台登记的项目", "name_en": "",
            "company_name": "西安地铁有限公司",
            "credit_code": "９１１１ ００００ ６０００ ３７３４ １Ｌ", "centre": nanyuanmen.pk}
    refused = admin_client.post("/admin/projects/keyproject/add/", data)
    assert refused.status_code == 200 and not KeyProject.objects.filter(name_zh="后台登记的项目").exists()
    assert "A key project is located in a district or a development zone." in refused.content.decode()
    added = admin_client.post("/admin/projects/keyproject/add/", {**data, "centre": beilin.pk})
    assert added.status_code == 302
    assert KeyProject.objects.get(name_zh="后台登记的项目").credit_code == "91110000600037341L"
    again = admin_client.post("/admin/projects/keyproject/add/", {**data, "centre": beilin.pk})
    assert again.status_code == 200 and "already on this year" in again.content.decode()
    assert admin_client.get("/admin/projects/keyproject/").status_code == 200
