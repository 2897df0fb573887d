"""Staff in bulk from a sheet (CSV in GB18030 or UTF-8, or Excel): every row checked first, every problem
reported by row and column, nobody added unless every row is good; the template to fill in."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook, load_workbook

from tenants.choices import AuditKind, Role
from tenants.models import AuditEvent, Membership, User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_schema")]

HEADER = "username,full_name,role,full_name_en,mobile,department_code\n"


@pytest.fixture
def admin_page(centre_client, make_user, beilin, department):
    return centre_client(beilin, make_user((beilin, Role.CENTRE_ADMIN), username="admin-bulk"))


def _upload(client, name: str, content: bytes):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post("/staff/import/", {"file": upload})


def _bad_rows(html: str) -> dict[int, str]:
    return {int(n): body for n, body in re.findall(r'<tr data-row="(\d+)">(.*?)</tr>', html, re.S)}


def test_a_gb18030_csv_with_one_bad_row_adds_nobody_and_names_every_problem(admin_page, make_user, beilin):
    make_user((beilin, Role.WINDOW_CLERK), username="taken-clerk")
    csv = (HEADER
           + "wangfang,王芳,window_clerk,Wang Fang,13812345678,SC\n"
           + "taken-clerk,李四,窗口人员,,,\n"               # taken in the database; a role by a name nobody uses
           + "wangfang,王芳二,Window clerk,,,\n"            # twice in the file
           + "zhao,赵😀,supervisor,,12345,ZZ\n"             # emoji, not a mobile, unknown department
           + "qian,钱,platform_admin,,,\n"                  # above a centre administrator
           + ",,,,,\n")                                     # a blank row is skipped
    page = _upload(admin_page, "staff.csv", csv.encode("gb18030"))
    assert page.status_code == 400
    html = page.content.decode()
    assert "4 of 5 rows are not valid; nothing was imported." in html
    rows = _bad_rows(html)
    assert sorted(rows) == [3, 4, 5, 6]
    assert "User name taken-clerk is taken." in rows[3] and "Unknown role “窗口人员”." in rows[3]
    assert "User name wangfang appears twice in the file." in rows[4]
    assert "is an emoji" in rows[5] and "“12345” is not a mainland mobile number." in rows[5]
    assert "Unknown department “ZZ”." in rows[5]
    assert "You may not grant the role “Platform administrator” here." in rows[6]
    assert not User.objects.filter(username__in=["wangfang", "zhao", "qian"]).exists()
    assert not AuditEvent.objects.filter(kind=AuditKind.STAFF_IMPORTED).exists()


def test_a_good_gb18030_csv_adds_everyone_with_a_temporary_password_each(admin_page, beilin):
    csv = (HEADER + "wangfang,王芳,window_clerk,Wang Fang,138 1234 5678,sc\n"
           + "lisi,李𡉃,Supervisor,,,\n" + "zhouwu,周五,窗口工作人员,,,\n")
    csv = csv.replace("窗口工作人员", _zh_label(Role.WINDOW_CLERK))
    page = _upload(admin_page, "人员.csv", csv.encode("gb18030"))
    assert page.status_code == 200, page.content.decode()
    html = page.content.decode()
    for username in ("wangfang", "lisi", "zhouwu"):
        shown = re.search(rf'data-username="{username}".*?<code class="password">([^<]+)</code>', html, re.S)
        password = shown.group(1)
        user = User.objects.get(username=username)
        assert user.check_password(password) and user.must_change_password
    wang = User.objects.get(username="wangfang")
    assert wang.mobile == "+8613812345678" and wang.full_name_en == "Wang Fang"
    assert Membership.objects.get(user=wang, centre=beilin).department_code == "SC"
    assert User.objects.get(username="lisi").full_name == "李𡉃"
    assert Membership.objects.get(user__username="lisi").role == Role.SUPERVISOR
    assert Membership.objects.get(user__username="zhouwu").role == Role.WINDOW_CLERK
    event = AuditEvent.objects.get(kind=AuditKind.STAFF_IMPORTED, centre=beilin)
    assert event.after == {"count": 3} and "人员.csv" in event.note


def _zh_label(role: str) -> str:
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(Role(role).label)


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["username", "full_name", "role", "full_name_en", "mobile", "department_code"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_is_all_or_nothing_too_and_a_mobile_typed_as_a_number_reads_as_shown(admin_page, beilin):
    bad = _xlsx([["sunqi", "孙七", "window_clerk", "", 13812345678, "SC"],
                 ["", "无名", "window_clerk", "", "", ""]])
    page = _upload(admin_page, "staff.xlsx", bad)
    assert page.status_code == 400
    rows = _bad_rows(page.content.decode())
    assert list(rows) == [3] and "A user name is needed." in rows[3]
    assert not User.objects.filter(username="sunqi").exists()
    good = _xlsx([["sunqi", "孙七", "window_clerk", "Sun Qi", 13812345678, "SC"]])
    assert _upload(admin_page, "staff.xlsx", good).status_code == 200
    assert User.objects.get(username="sunqi").mobile == "+8613812345678"


def test_a_file_lacking_a_required_column_is_refused_by_name(admin_page):
    page = _upload(admin_page, "staff.csv", b"username,full_name\nx,y\n")
    assert page.status_code == 400
    assert "The file&#x27;s header lacks the columns: role." in page.content.decode()


def test_the_template_reads_back_as_a_good_sheet(admin_page, beilin):
    response = admin_page.get("/staff/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    first = workbook.worksheets[0]
    assert [c.value for c in first[1]] == ["username", "full_name", "role", "full_name_en", "mobile",
                                           "department_code"]
    assert "window_clerk" in [c.value for c in workbook.worksheets[1]["A"]]
    assert "SC" in [c.value for c in workbook.worksheets[1]["A"]]
    # the template's example row, as downloaded, is a good sheet
    assert _upload(admin_page, "staff-template.xlsx", response.content).status_code == 200
    assert User.objects.get(username="zhangsan").must_change_password
