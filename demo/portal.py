"""The online service hall's demo (网上办事大厅): two applicants whose cases lie at several centres.

- 李秀英 (resident 0 of the delegation demo, mobile 138 0000 0000): her proxy filing at Nanyuanmen (the
  village agent's), an online application at Beilin waiting for one missing material (a one-time notice
  issued at the pre-check), and an online application at the city centre decided (the decision and the
  archive to download, the case to rate).
- The company of the first key project with joint cases (mobile 138 0002 9000, its credit code bound): its
  joint cases and their legs at the city and the districts.

Both sign in at /online/ with their mobile and the SMS code, read in the SMS outbox (/outbox/, platform).
Idempotent: an account that exists is kept, an application made before is not made again.
"""
from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db.models import Count
from django.utils import timezone

from cases.choices import Action, ApplicantKind
from cases.door import case_step
from catalog.models import Material
from catalog.selectors import centre_catalogue
from common.identity import identity_hmac, recipient_hmac
from delegation.demo import demo_scan_pdf, resident_id
from joint_approval.models import JointCase
from portal.apply.services import Filed, application_file
from portal.models import Applicant
from registry.models import RegistryEntry
from tenants.models import Centre, User

RESIDENT_MOBILE = "+8613800000000"
RESIDENT_NAME = "李秀英"
COMPANY_MOBILE = "+8613800029000"
#: The application forms' one-time tokens (the idempotency keys of the two demo applications; not secrets).
FORM_TOKENS = ("demo-online-beilin", "demo-online-city")


def _account(*, mobile: str, kind: str, name: str, id_number: str, legal_representative: str = "") -> Applicant:
    applicant = Applicant.objects.filter(id_hmac=identity_hmac(id_number)).first()
    if applicant is None:
        applicant = Applicant.objects.create(
            mobile=mobile, mobile_hmac=recipient_hmac(mobile), kind=kind, name=name, id_number=id_number,
            id_hmac=identity_hmac(id_number), legal_representative=legal_representative, bound_at=timezone.now())
    return applicant


def _online_item(centre: Centre, *, township: Centre, skip: set[str]) -> tuple[str, list[Material]] | None:
    """An item `centre` handles online (depth 3 or more) with two materials or more that `township` does not
    exercise itself (so an application from it goes to `centre`)."""
    own = set(centre_catalogue(centre=township).values_list("item__code", flat=True))
    rows = (centre_catalogue(centre=centre).filter(item__current_version__online_depth__gte=3)
            .annotate(materials=Count("item__current_version__materials"))
            .filter(materials__gte=2).order_by("item__code").values_list("item__code", "item__current_version_id"))
    for code, version_id in rows:
        if code not in own and code not in skip:
            materials = list(Material.objects.filter(version_id=version_id).order_by("pk"))
            required = [m for m in materials if m.required] or materials
            return code, required[:3]
    return None


def _apply(applicant: Applicant, *, township: Centre, centre: Centre, skip: set[str], token: str,
           now: dt.datetime) -> tuple[str, list[Material], Filed] | None:
    picked = _online_item(centre, township=township, skip=skip)
    if picked is None:
        return None
    code, materials = picked
    files: dict[int, UploadedFile] = {
        m.pk: SimpleUploadedFile(f"{m.name_zh[:20]}.pdf", demo_scan_pdf(f"{token}-{m.pk}"),
                                 content_type="application/pdf") for m in materials}
    filed = application_file(applicant=applicant, township=township, item_code=code, files=files, token=token,
                             now=now)
    return code, materials, filed


def demo_portal_provision() -> dict:
    """Make the two accounts and 李秀英's online applications (see the module's docstring)."""
    township = Centre.objects.filter(slug="beilin-nanyuanmen").select_related("parent__parent").first()
    if township is None or township.parent is None or township.parent.parent is None:
        return {"applicants": 0}
    beilin, city = township.parent, township.parent.parent
    resident = _account(mobile=RESIDENT_MOBILE, kind=ApplicantKind.PERSON, name=RESIDENT_NAME,
                        id_number=resident_id(0))
    made: dict = {"applicants": 1, "online": 0}
    project_case = (JointCase.objects.filter(project__isnull=False).select_related("project")
                    .order_by("accepted_at").first())
    project = project_case.project if project_case is not None else None
    if project is not None:
        _account(mobile=COMPANY_MOBILE, kind=ApplicantKind.ORGANISATION, name=project.company_name,
                 id_number=project.credit_code, legal_representative="赵建华")
        made["applicants"] += 1
    if RegistryEntry.objects.filter(applicant_hmac=resident.id_hmac, channel="online").exists():
        return made
    clerks = {u.username: u for u in User.objects.filter(username__in=["clerk-beilin", "clerk-xian",
                                                                      "admin-xian"])}
    now = timezone.now()
    # At Beilin: filed two days ago; the pre-check found one material unreadable: a one-time notice.
    first = _apply(resident, township=township, centre=beilin, skip=set(), token=FORM_TOKENS[0],
                   now=now - dt.timedelta(days=2))
    if first is not None:
        code, materials, filed = first
        case_step(centre=beilin, case_id=filed.case_id, action=Action.ISSUE_NOTICE,
                  acting_user=clerks.get("clerk-beilin"), missing_material_ids=[materials[-1].pk],
                  note="上传的扫描件不清晰，请重新上传清晰的彩色扫描件。", now=now - dt.timedelta(days=1))
        made["online"] += 1
    # At the city: filed a week ago, accepted, reviewed, approved, the result ready.
    second = _apply(resident, township=township, centre=city, skip={first[0]} if first else set(),
                    token=FORM_TOKENS[1], now=now - dt.timedelta(days=7))
    clerk, chief = clerks.get("clerk-xian"), clerks.get("admin-xian")  # the centre's administrator decides
    if second is not None and clerk is not None and chief is not None:
        _code, _materials, filed = second
        for days_ago, action, who in ((6, Action.ACCEPT, clerk), (5, Action.START_REVIEW, clerk),
                                      (3, Action.APPROVE, chief), (3, Action.RESULT_READY, clerk)):
            case_step(centre=city, case_id=filed.case_id, action=action, acting_user=who,
                      now=now - dt.timedelta(days=days_ago, hours=-1))
        made["online"] += 1
    return made
