"""Proxy filings: consent, where a filing lands, the handover log and its SMS, what an agent may not do."""
from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import tenant_context

from cases.choices import Action, Channel
from cases.models import Case, CaseEvent
from cases.services import case_transition
from common.errors import ApplicationError, ConflictError
from delegation.choices import HandoverStepKind as Step
from delegation.error_codes import DelegationErrorCode
from delegation.models import Consent, HandoverStep, ProxyFiling
from delegation.services import consent_record, handover_log, proxy_filing_submit
from notifications.models import OutboxMessage
from registry.models import RegistryEntry
from tests.delegation.conftest import OTHER_ID, PHONE, VALID_ID, at, file_for_resident

pytestmark = pytest.mark.django_db


def cases_in(centre) -> list[Case]:
    with tenant_context(centre):
        return list(Case.objects.all())


@pytest.mark.parametrize(("where", "lands_in"), [("township", "nanyuanmen"), ("district", "beilin"),
                                                 ("city", "city")])
def test_a_filing_lands_in_the_centre_that_exercises_the_item_and_in_the_registry(
        request, agent, station, items, where, lands_in):
    target = request.getfixturevalue(lands_in)
    filing = file_for_resident(agent, station, items[where])

    assert filing.target_centre == target
    [case] = cases_in(target)
    assert (case.id, case.number) == (filing.case_id, filing.case_number)
    assert case.number.startswith(target.division_code + "-")
    entry = RegistryEntry.objects.get(case_id=case.id)
    assert (entry.centre_id, entry.channel) == (target.pk, Channel.PROXY)
    others = [c for c in ("nanyuanmen", "beilin", "city") if c != lands_in]
    for other in others:
        assert cases_in(request.getfixturevalue(other)) == []


def test_the_agent_acts_and_the_resident_is_the_applicant_both_in_the_events(agent, station, items, nanyuanmen):
    filing = file_for_resident(agent, station, items["township"])
    with tenant_context(nanyuanmen):
        case = Case.objects.get(pk=filing.case_id)
        event = CaseEvent.objects.get(case=case)
    assert (case.applicant_name, case.applicant_id_number, case.channel) == ("李四", VALID_ID, "proxy")
    assert case.submitted_by_id == agent.pk
    assert (event.acting_user_id, event.acting_name, event.on_behalf_of) == (agent.pk, "王代办", "李四")


def test_the_public_rows_hold_no_more_of_the_resident_than_a_masked_name(agent, station, items):
    filing = file_for_resident(agent, station, items["township"])
    consent = Consent.objects.get(pk=filing.consent_id)
    public = f"{filing.__dict__} {consent.__dict__}"
    assert filing.resident_name_masked == "李**"
    assert VALID_ID not in public and "李四" not in public and PHONE not in public


def test_no_filing_without_consent_and_nothing_is_written(agent, station, items, nanyuanmen):
    with pytest.raises(ApplicationError) as error:
        proxy_filing_submit(agent=agent, station=station, consent=None, item_code=items["township"].code,
                            resident_name="李四", resident_id_number=VALID_ID, phone=PHONE, now=at(2026, 9, 28))
    assert error.value.code == DelegationErrorCode.CONSENT_REQUIRED
    assert not ProxyFiling.objects.exists() and cases_in(nanyuanmen) == []
    assert not RegistryEntry.objects.exists() and not OutboxMessage.objects.exists()


@pytest.mark.parametrize(("consent_item", "filed_id"), [("other", VALID_ID), ("same", OTHER_ID)])
def test_consent_for_another_item_or_resident_does_not_cover_the_filing(
        agent, station, items, nanyuanmen, consent_item, filed_id):
    item = items["township"]
    consent = consent_record(agent=agent, station=station, resident_name="李四", resident_id_number=VALID_ID,
                             item_code=items["district"].code if consent_item == "other" else item.code,
                             method="recorded_call", evidence="REC-5", given_at=at(2026, 9, 28, 9),
                             now=at(2026, 9, 28))
    with pytest.raises(ApplicationError) as error:
        proxy_filing_submit(agent=agent, station=station, consent=consent, item_code=item.code,
                            resident_name="李四", resident_id_number=filed_id, phone=PHONE, now=at(2026, 9, 28))
    assert error.value.code == DelegationErrorCode.CONSENT_MISMATCH
    assert not ProxyFiling.objects.exists() and cases_in(nanyuanmen) == []


def test_a_consent_is_used_once(agent, station, items):
    filing = file_for_resident(agent, station, items["township"])
    with pytest.raises(ApplicationError) as error:
        proxy_filing_submit(agent=agent, station=station, consent=filing.consent, item_code=filing.item_code,
                            resident_name="李四", resident_id_number=VALID_ID, phone=PHONE, now=at(2026, 9, 28))
    assert error.value.code == DelegationErrorCode.CONSENT_MISMATCH


def test_a_consent_by_phone_needs_its_recording_and_cannot_be_in_the_future(agent, station, items):
    with pytest.raises(ApplicationError) as error:
        consent_record(agent=agent, station=station, resident_name="李四", resident_id_number="123",
                       item_code=items["township"].code, method="recorded_call", given_at=at(2026, 9, 29),
                       now=at(2026, 9, 28))
    assert set(error.value.extra["fields"]) == {"resident_id_number", "consent_given_at", "consent_evidence"}
    # nor years back (a tester typed 1990-01-01 through the API, and it was accepted)
    with pytest.raises(ApplicationError) as error:
        consent_record(agent=agent, station=station, resident_name="李四", resident_id_number=VALID_ID,
                       item_code=items["township"].code, method="recorded_call", given_at=at(1990, 1, 1),
                       evidence="REC-1", now=at(2026, 9, 28))
    assert set(error.value.extra["fields"]) == {"consent_given_at"}
    assert "within the last 30 days" in error.value.extra["fields"]["consent_given_at"][0]


def test_an_agent_files_only_at_their_own_station(agent, other_station, items):
    with pytest.raises(ApplicationError) as error:
        file_for_resident(agent, other_station, items["township"])
    assert error.value.code == DelegationErrorCode.NOT_AN_AGENT


def test_an_invalid_resident_is_refused_and_nothing_is_written(agent, station, items, nanyuanmen):
    from django.db import transaction

    with pytest.raises(ApplicationError) as error, transaction.atomic():
        consent = consent_record(agent=agent, station=station, resident_name="李四", resident_id_number=VALID_ID,
                                 item_code=items["township"].code, method="recorded_call", evidence="REC-9",
                                 given_at=at(2026, 9, 28, 9), now=at(2026, 9, 28))
        proxy_filing_submit(agent=agent, station=station, consent=consent, item_code=items["township"].code,
                            resident_name="李四", resident_id_number=VALID_ID, phone="12345",
                            now=at(2026, 9, 28))
    assert error.value.extra["fields"] == {"phone": ["Not a valid mobile phone number."]} or \
        "phone" in error.value.extra["fields"]
    assert not Consent.objects.exists() and cases_in(nanyuanmen) == []


def test_a_retried_submission_gives_the_same_filing(agent, station, items, nanyuanmen):
    first = file_for_resident(agent, station, items["township"], key="tok-1")
    again = file_for_resident(agent, station, items["township"], key="tok-1")
    assert again.pk == first.pk and len(cases_in(nanyuanmen)) == 1
    assert Consent.objects.count() == 1  # the retry recorded no consent of its own


def test_a_retry_that_recorded_its_own_consent_leaves_no_consent_behind(agent, station, items, nanyuanmen):
    """The consent and the filing are one transaction: a send that answers with the first filing leaves
    no consent of its own behind."""
    first = file_for_resident(agent, station, items["township"], key="tok-2")
    again = file_for_resident(agent, station, items["township"], key="tok-2")
    assert again.pk == first.pk and len(cases_in(nanyuanmen)) == 1
    assert list(Consent.objects.values_list("pk", flat=True)) == [first.consent_id]


def sms(filing) -> list[tuple[str, str]]:
    return [(m.template_key, m.to) for m in OutboxMessage.objects.filter(dedupe_key__startswith=f"proxy:{filing.pk}:")
            .order_by("pk")]


def test_the_handover_log_and_the_residents_sms_follow_each_milestone(
        agent, station, items, nanyuanmen, township_clerk, make_user, django_capture_on_commit_callbacks):
    from tenants.choices import Role

    chief = make_user((nanyuanmen, Role.CHIEF_REPRESENTATIVE), username="chief-nym")
    filing = file_for_resident(agent, station, items["township"])
    assert [s.step for s in HandoverStep.objects.filter(filing=filing)] == [Step.RECEIVED_FROM_RESIDENT]
    assert sms(filing) == [("proxy_received", "+8613812345678")]
    assert filing.case_number in OutboxMessage.objects.get(template_key="proxy_received").body

    handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=agent, now=at(2026, 9, 29))
    # the result is not ready: the agent cannot say they have it
    with pytest.raises(ApplicationError) as error:
        handover_log(filing=filing, step=Step.RESULT_RECEIVED, acting_user=agent, now=at(2026, 9, 30))
    assert error.value.code == DelegationErrorCode.RESULT_NOT_READY

    with tenant_context(nanyuanmen):
        from django.db import connection

        connection.set_tenant(nanyuanmen)
        case = Case.objects.get(pk=filing.case_id)
        for action, user in [(Action.ACCEPT, township_clerk), (Action.START_REVIEW, township_clerk),
                             (Action.APPROVE, chief), (Action.RESULT_READY, township_clerk)]:
            case = case_transition(centre=connection.tenant,
                                   case=case, action=action, acting_user=user, now=at(2026, 9, 30))
    handover_log(filing=filing, step=Step.RESULT_RECEIVED, acting_user=agent, now=at(2026, 10, 8))
    handover_log(filing=filing, step=Step.DELIVERED_TO_RESIDENT, acting_user=agent, now=at(2026, 10, 9))

    steps = list(HandoverStep.objects.filter(filing=filing).values_list("step", "at", "by"))
    assert [s for s, _, _ in steps] == [Step.RECEIVED_FROM_RESIDENT, Step.HANDED_TO_CENTRE, Step.RESULT_RECEIVED,
                                        Step.DELIVERED_TO_RESIDENT]
    assert [a for _, a, _ in steps] == [at(2026, 9, 28), at(2026, 9, 29), at(2026, 10, 8), at(2026, 10, 9)]
    assert {b for _, _, b in steps} == {agent.pk}
    assert sms(filing) == [("proxy_received", "+8613812345678"), ("proxy_handed_to_centre", "+8613812345678"),
                           ("proxy_result_received", "+8613812345678"), ("proxy_delivered", "+8613812345678")]
    filing.refresh_from_db()
    assert filing.last_step == Step.DELIVERED_TO_RESIDENT


def test_steps_go_in_order_and_a_second_tap_is_refused_with_a_reason(agent, station, items):
    filing = file_for_resident(agent, station, items["township"])
    with pytest.raises(ConflictError) as skipped:
        handover_log(filing=filing, step=Step.DELIVERED_TO_RESIDENT, acting_user=agent, now=at(2026, 9, 29))
    assert "next step" in str(skipped.value)
    handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=agent, now=at(2026, 9, 29))
    with pytest.raises(ConflictError) as twice:
        handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=agent, now=at(2026, 9, 29, 11))
    assert "already logged" in str(twice.value)
    assert HandoverStep.objects.filter(filing=filing).count() == 2
    assert len(sms(filing)) == 2


def test_another_agent_cannot_log_a_handover(agent, other_agent, station, items):
    filing = file_for_resident(agent, station, items["township"])
    with pytest.raises(ApplicationError) as error:
        handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=other_agent, now=at(2026, 9, 29))
    assert error.value.code == DelegationErrorCode.NOT_AN_AGENT


def test_an_agent_cannot_act_as_a_clerk(agent, station, items, nanyuanmen):
    filing = file_for_resident(agent, station, items["township"])
    with tenant_context(nanyuanmen):
        from django.db import connection

        connection.set_tenant(nanyuanmen)
        case = Case.objects.get(pk=filing.case_id)
        with pytest.raises(ApplicationError) as error:
            case_transition(centre=connection.tenant,
                            case=case, action=Action.ACCEPT, acting_user=agent, now=at(2026, 9, 28))
        assert error.value.code == "case_role_not_allowed"
        assert Case.objects.get(pk=case.pk).status == "submitted"


def test_the_clerks_api_is_closed_to_an_agent(agent, station, items, nanyuanmen, centre_client):
    filing = file_for_resident(agent, station, items["township"])
    client = centre_client(nanyuanmen, agent)
    assert client.post(f"/api/v1/cases/{filing.case_id}/transitions/", {"action": "accept"},
                       content_type="application/json").status_code == 404
    assert client.get("/cases/").status_code == 404


def test_dates(agent, station, items):
    filing = file_for_resident(agent, station, items["township"], now=at(2026, 9, 28, 15))
    assert filing.filed_at == at(2026, 9, 28, 15)
    assert filing.consent.given_at == at(2026, 9, 28, 14)
    assert isinstance(filing.consent.given_at, dt.datetime)


def test_a_refused_case_comes_back_to_the_resident_through_the_agent(
        agent, station, items, nanyuanmen, township_clerk, centre_client):
    """A case the centre refuses to accept (不予受理) is over: the refusal notice and the materials come
    back the way the result would, instead of the filing waiting for a result forever."""
    filing = file_for_resident(agent, station, items["township"])
    handover_log(filing=filing, step=Step.HANDED_TO_CENTRE, acting_user=agent, now=at(2026, 9, 29))
    with tenant_context(nanyuanmen):
        from django.db import connection

        connection.set_tenant(nanyuanmen)
        case_transition(centre=connection.tenant,
                        case=Case.objects.get(pk=filing.case_id), action=Action.REFUSE, acting_user=township_clerk,
                        note="不属于本事项受理范围", now=at(2026, 9, 29, 15))
    client = centre_client(nanyuanmen, agent)
    deliver = client.get("/delegation/?view=deliver").content.decode()
    assert filing.case_number in deliver and "Waiting for the result" not in deliver
    handover_log(filing=filing, step=Step.RESULT_RECEIVED, acting_user=agent, now=at(2026, 9, 30))
    handover_log(filing=filing, step=Step.DELIVERED_TO_RESIDENT, acting_user=agent, now=at(2026, 9, 30, 16))
    assert [t for t, _ in sms(filing)] == ["proxy_received", "proxy_handed_to_centre", "proxy_result_received",
                                           "proxy_delivered"]
