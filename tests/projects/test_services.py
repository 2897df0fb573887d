"""The register of key projects (重点建设项目): its rules checked in one place (`key_project_register`), and
one row per project and year."""
from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from common.errors import ApplicationError, ConflictError
from projects.models import KeyProject
from projects.selectors import key_project_find, key_project_list
from projects.services import key_project_register

pytestmark = pytest.mark.django_db

VALID_USCC = "91110000600037341L"
OTHER_USCC = "91610171MA00000016"


def register(centre, **over) -> KeyProject:
    facts = {"year": 2014, "name_zh": "地铁四号线", "name_en": "Metro Line 4", "company_name": "西安地铁有限公司",
             "credit_code": VALID_USCC, **over}
    return key_project_register(centre=centre, **facts)


def test_a_bad_credit_code_is_refused_and_the_field_named_in_chinese_and_english(beilin):
    with pytest.raises(ApplicationError) as error:
        register(beilin, credit_code="91110000600037341X")  # a wrong check character
    assert error.value.code == "project_invalid" and list(error.value.extra["fields"]) == ["credit_code"]
    assert "check character" in error.value.extra["fields"]["credit_code"][0]
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as chinese:
        register(beilin, credit_code="9111")
    assert chinese.value.extra["fields"]["credit_code"] == ["统一社会信用代码应为 18 位。"]
    assert "无法登记" in str(chinese.value)
    assert key_project_find(year=2014, name_zh="地铁四号线") is None


def test_a_credit_code_typed_full_width_with_spaces_and_hyphens_is_folded_and_is_the_same_company(beilin):
    project = register(beilin, credit_code=" ９１１１ ００００－６０００ ３７３４１ｌ ")
    assert project.credit_code == VALID_USCC
    assert register(beilin) == project  # the same project again: the same row, as it is
    assert register(beilin, credit_code="9111-0000-6000-3734-1L", name_zh=" 地铁四号线 ") == project
    assert key_project_list(year=2014).filter(name_zh="地铁四号线").count() == 1


@pytest.mark.parametrize("where", ["nanyuanmen", "city"])
def test_a_project_is_in_a_district_or_a_zone_not_a_township_or_the_city(where, request):
    centre = request.getfixturevalue(where)
    with pytest.raises(ApplicationError) as error:
        register(centre)
    assert list(error.value.extra["fields"]) == ["centre"]
    with translation.override("zh-hans"), pytest.raises(ApplicationError) as chinese:
        register(centre)
    assert chinese.value.extra["fields"]["centre"] == ["重点项目须位于区县或开发区。"]


def test_the_project_and_the_company_are_named_and_every_problem_told_at_once(nanyuanmen):
    with pytest.raises(ApplicationError) as error:
        register(nanyuanmen, name_zh="  ", company_name="", credit_code="x")
    assert set(error.value.extra["fields"]) == {"name_zh", "company_name", "credit_code", "centre"}


def test_the_same_name_and_year_in_another_district_or_for_another_company_is_a_conflict(beilin, yanta):
    project = register(beilin)
    with pytest.raises(ConflictError) as elsewhere:
        register(yanta)
    assert elsewhere.value.code == "project_registered_otherwise" and elsewhere.value.http_status == 409
    assert elsewhere.value.extra["project"] == project.pk and list(elsewhere.value.extra["fields"]) == ["centre"]
    with pytest.raises(ConflictError) as other_company:
        register(beilin, credit_code=OTHER_USCC, company_name="另一家公司")
    assert list(other_company.value.extra["fields"]) == ["credit_code"] and VALID_USCC in str(other_company.value)
    assert register(yanta, year=2015).pk != project.pk  # another year's list: another project
    project.refresh_from_db()
    assert (project.centre, project.credit_code, project.company_name) == (beilin, VALID_USCC, "西安地铁有限公司")


def test_the_database_keeps_one_row_per_year_and_name_and_codes_as_stored(beilin):
    register(beilin)
    with pytest.raises(IntegrityError), transaction.atomic():
        KeyProject.objects.create(year=2014, name_zh="地铁四号线", company_name="某公司", credit_code=VALID_USCC,
                                  centre=beilin)
    with pytest.raises(IntegrityError), transaction.atomic():
        KeyProject.objects.create(year=2014, name_zh="未折叠的代码", company_name="某公司",
                                  credit_code="９１１１００００６０００３７３４１Ｌ", centre=beilin)


def test_the_name_follows_the_language(beilin):
    project = register(beilin)
    with translation.override("en"):
        assert project.name == "Metro Line 4"
    with translation.override("zh-hans"):
        assert project.name == str(project) == "地铁四号线"
