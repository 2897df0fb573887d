"""The objects the sweep of every page (test_reach) reaches its detail pages through, committed (the live
server's threads read them): each role's user, and at Beilin a case under a one-time notice, a collected
case rated badly (its rectification), a complaint, the month's archive sample (that case drawn), a joint
case, a green channel, a published news post and a hall (a window the clerk operates, a queue open all day,
a kiosk, a rating pad and a ticket called to the window); under Nanyuanmen a village agent's filing; on the
platform a key project with an agent, a finished onboarding batch, a refused catalogue import, a bundle and
a linked project.

Pages no link leads to (a device's page opened by its key, the kiosk showing the ticket just taken, a
ticket's page and printout opened from the kiosk, the joint case's receipt signed for whoever passed the
progress lookup, an onboarding batch's and a catalogue import's pages opened after their upload) and pages
the crawl would reach only by chance (the case under a notice: a case's page is checked once, at the first
case met; the agent's station, on whichever page of the township's stations other tests' stations put it;
the new case form for an item, which a GET form opens) are the roles' `starts`, checked whatever the
routes' query shapes already checked.
The hall's rows are removed by `World.cleanup` (other tests count a centre's queues and windows); the rest
stays, as other browser tests' rows do."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.browser.conftest import orm, unique

#: The roles' memberships: (division code or None, role).
MEMBERSHIPS = {
    "window clerk": [("610103", "window_clerk")],
    "chief representative": [("610103", "chief_representative")],
    "centre administrator": [("610103", "centre_admin")],
    "township administrator": [("610103001", "centre_admin")],
    "village agent": [],
    "city coordinator": [("610100", "supervisor"), ("610103", "supervisor")],
    "platform admin": [(None, "platform_admin")],
}


@dataclass
class World:
    #: role name → username
    users: dict[str, str]
    #: role name → [(host slug or "", path)] opened besides the host's entry routes
    starts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    cleanup: Callable[[], None] = lambda: None


def world(make_browser_user, monkeypatch) -> World:
    """Make every role's user and the objects above; the hall's queue is open today whatever the day (the
    hall's working-day check is replaced in this process, which the live server shares)."""
    from registry.views import receipt_token
    from tests.browser.test_cases import committed_adopted_item
    from tests.browser.test_delegation import committed_filing, committed_township_item
    from tests.browser.test_joint import committed_bundle, committed_project
    from tests.browser.test_joint_progress import _accepted

    monkeypatch.setattr("hall.services.is_working_day", lambda **_kwargs: True)
    users = {name: make_browser_user(*roles) for name, roles in MEMBERSHIPS.items()}
    code = committed_adopted_item("Reach permit")
    station = committed_filing(users["village agent"], committed_township_item(unique("触达养老保险")))
    bundle = committed_bundle()
    committed_project()
    joint = _accepted(bundle["code"], users["window clerk"])
    hall = orm(_beilin, users, code)
    batch, catalogue_import = orm(_platform, users)
    receipt = receipt_token(joint["number"])
    starts = {
        "anonymous applicant": [("beilin", f"/hall/t/{hall['ticket']}/"),
                                ("beilin", f"/hall/t/{hall['ticket']}/print/"),
                                ("beilin", f"/progress/receipt/{receipt}/")],
        "window clerk": [("beilin", f"/cases/{hall['notice_case']}/"), ("beilin", f"/cases/new/?item_code={code}")],
        "township administrator": [("beilin-nanyuanmen", f"/delegation/stations/?q={station}")],
        "hall devices": [("beilin", f"/hall/kiosk/{hall['kiosk']}/?taken={hall['ticket']}"),
                         ("beilin", f"/hall/kiosk/{hall['kiosk']}/"), ("beilin", f"/hall/pad/{hall['pad']}/")],
        "hall screen": [("beilin", "/hall/screen/")],
        "platform admin": [("", f"/onboard/batches/{batch}/"), ("", f"/catalogue/imports/{catalogue_import}/")],
    }
    return World(users=users, starts=starts, cleanup=lambda: orm(_hall_remove, hall))


def _beilin(users: dict[str, str], code: str) -> dict:
    """Beilin's objects (see the module's docstring); the hall's keys, ticket token and rows to remove."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from cases.services import case_submit, case_transition
    from delegation.models import GreenChannel, GreenChannelItem
    from hall.choices import DeviceKind, TicketSource
    from hall.services import device_register, queue_save, ticket_call_next, ticket_take
    from news.services import post_create, post_publish
    from registry.models import RegistryEntry
    from supervision.reviews.services import inquiry_submit, review_submit
    from supervision.sampling.services import archive_sample_draw
    from tenants.models import Centre, User
    from tests.browser.test_cases import VALID_ID
    from tests.hall.committed import free_letter
    from windows.models import Window
    from windows.services import window_grant_operator

    beilin = Centre.objects.get(division_code="610103")
    clerk = User.objects.get(username=users["window clerk"])
    chief = User.objects.get(username=users["chief representative"])
    now = timezone.now()
    with tenant_context(beilin):
        connection.set_tenant(beilin)

        def submitted(name: str):
            return case_submit(centre=beilin, item_code=code, applicant_kind="person", applicant_name=name,
                               applicant_id_number=VALID_ID, phone="13812345678", channel="window",
                               acting_user=clerk).case

        case = case_transition(centre=beilin, case=submitted("触达测试"), action="accept", acting_user=clerk)
        case_transition(centre=beilin, case=case, action="issue_notice", acting_user=clerk, note="请补正",
                        missing_material_ids=[case.materials.first().material_id])
        decided = case_transition(centre=beilin, case=submitted("触达差评"), action="accept", acting_user=clerk)
        for action in ("start_review", "approve"):
            decided = case_transition(centre=beilin, case=decided, action=action, acting_user=chief)
        for action in ("result_ready", "collect"):  # closed: the month's sample draws it
            decided = case_transition(centre=beilin, case=decided, action=action, acting_user=clerk)
        post = post_create(centre=beilin, acting_user=clerk, title_zh="大厅延长办公时间",
                           title_en="The hall opens longer", body_zh="周六上午照常办理。",
                           body_en="Open on Saturday mornings.")
        post_publish(post=post, acting_user=clerk)
        number = unique("R")[-6:].upper()
        window = Window.objects.create(number=number, name_zh=f"{number}号窗口", name_en=f"Window {number}")
        queue = queue_save(letter=free_letter(), name_zh="触达测试队列", name_en="Reach queue",
                           window_ids=[window.pk], opens_at=dt.time(0, 0), closes_at=dt.time(23, 59))
        window_grant_operator(centre=beilin, window=window, user=clerk, acting_user=None)
        _kiosk, kiosk_key = device_register(kind=DeviceKind.KIOSK, name=f"{number} kiosk", acting_user=None)
        _pad, pad_key = device_register(kind=DeviceKind.PAD, name=f"{number} pad", window=window, acting_user=None)
        ticket = ticket_take(centre=beilin, queue=queue, source=TicketSource.KIOSK, now=now)
        ticket_call_next(centre=beilin, window=window, acting_user=clerk, now=now)
    connection.set_schema_to_public()
    with transaction.atomic():  # the rating locks its registry row
        review_submit(entry=RegistryEntry.objects.get(case_id=decided.pk), channel="counter",
                      levels={"overall": "very_dissatisfied"}, comment="等了很久", acting_user=clerk, now=now)
    inquiry_submit(centre=beilin, kind="complaint", subject="窗口排队时间太长", body="上午排了两个小时。",
                   acting_user=None, now=now)
    archive_sample_draw(centre=beilin, month=timezone.localdate(), acting_user=chief, now=now)
    channel = GreenChannel.objects.create(code=unique("reach"), name_zh="触达绿色通道", name_en="Reach green channel",
                                          target_count=10, target_unit_zh="个", target_unit_en="projects",
                                          starts_on=dt.date(2020, 1, 1))
    GreenChannelItem.objects.create(channel=channel, item_id=case.item_id, promised_cap_days=3, usual_days=10,
                                    waived_materials=["身份证复印件"])
    return {"centre": beilin.pk, "window": window.pk, "queue": queue.pk, "kiosk": kiosk_key, "pad": pad_key,
            "ticket": ticket.token, "notice_case": str(case.pk)}


def _platform(users: dict[str, str]) -> tuple[int, int]:
    """A key project with an agent (this year's agency report lists it), a finished onboarding batch and a
    catalogue import refused for a bad row: the batch's and the import's ids."""
    from django.utils import timezone

    from catalog.models import CatalogueImport
    from delegation.services import agency_assign
    from projects.services import key_project_register
    from tenants.models import Centre, OnboardingBatch, User
    from tests.browser.test_joint import USCC

    today = timezone.localdate()
    project = key_project_register(year=today.year, name_zh=unique("触达重点项目"), company_name="西安触达科技有限公司",
                                   credit_code=USCC, centre=Centre.objects.get(division_code="610103"))
    agency_assign(project=project, agent=User.objects.get(username=users["chief representative"]), level="full",
                  today=today)
    row = {"level": "township", "code": "610103099", "slug": "reach-batch", "name_zh": "触达街道",
           "name_en": "Reach Street", "parent_code": "610103"}
    admin = User.objects.get(username=users["platform admin"])
    batch = OnboardingBatch.objects.create(file_name="触达网点.csv", rows=[row], total=1, done=1, created_count=1,
                                           status="done", created_by=admin)
    refused = CatalogueImport.objects.create(
        file_name="触达目录.xlsx", stage="failed", total=3, done=3, problem_count=1, language="zh-hans",
        problems=[{"row": 3, "column": "承诺时限", "message": "承诺时限（12个工作日）长于法定时限（10个工作日）。"}],
        created_by=admin)
    return batch.pk, refused.pk


def _hall_remove(hall: dict) -> None:
    from django_tenants.utils import tenant_context

    from hall.models import HallDevice, HallEvent, Queue, Ticket, TicketDay
    from registry.models import HallVisit
    from tenants.models import Centre
    from windows.models import Window

    with tenant_context(Centre.objects.get(pk=hall["centre"])):
        tickets = list(Ticket.objects.filter(queue_id=hall["queue"]).values_list("pk", flat=True))
        HallEvent.objects.filter(ticket_id__in=tickets).delete()
        Ticket.objects.filter(pk__in=tickets).delete()
        TicketDay.objects.filter(queue_id=hall["queue"]).delete()
        HallDevice.objects.filter(window_id=hall["window"]).delete()
        HallDevice.objects.filter(name=f"{Window.objects.get(pk=hall['window']).number} kiosk").delete()
        Queue.objects.filter(pk=hall["queue"]).delete()
        Window.objects.filter(pk=hall["window"]).delete()
    HallVisit.objects.filter(ticket_id__in=tickets).delete()


def decided_with_a_question(mobile: str, case_id: str, users: dict[str, str]) -> None:
    """The applicant's online case accepted by Beilin's clerk and approved by its chief (so the rating form
    opens), and a question from the applicant to Beilin (its page in the account)."""

    def decide() -> None:
        from django.db import connection
        from django_tenants.utils import tenant_context

        from cases.models import Case
        from cases.services import case_transition
        from common.identity import recipient_hmac
        from portal.models import Applicant
        from portal.services_ask import question_ask
        from tenants.models import Centre, User

        beilin = Centre.objects.get(division_code="610103")
        with tenant_context(beilin):
            connection.set_tenant(beilin)
            case = Case.objects.get(pk=case_id)
            case = case_transition(centre=beilin, case=case, action="accept",
                                   acting_user=User.objects.get(username=users["window clerk"]))
            for action in ("start_review", "approve"):
                case = case_transition(centre=beilin, case=case, action=action,
                                       acting_user=User.objects.get(username=users["chief representative"]))
        connection.set_schema_to_public()
        question_ask(applicant=Applicant.objects.get(mobile_hmac=recipient_hmac(mobile)), centre=beilin,
                     kind="consultation", subject="材料能否用复印件", body="身份证复印件需要盖章吗？")

    orm(decide)
