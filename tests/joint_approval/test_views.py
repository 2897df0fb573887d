"""Pages: the bundle picker (merged checklist, accept), the joint case page with every leg's holder,
who sees what, and that a district clerk cannot act on the city's leg (404)."""
from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from joint_approval.models import JointCase
from joint_approval.services import joint_case_accept, linked_project_register
from tests.joint_approval.conftest import VALID_USCC, accept


def test_the_picker_shows_each_shared_material_once_and_what_another_leg_produces(
        centre_client, bundle, beilin, clerk_beilin):
    page = centre_client(beilin, clerk_beilin).get("/joint/bundles/company-test/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('value="申请表"') == 1
    assert "(one copy for legs 1, 2, 3)" in html or "1, 2, 3" in html
    assert "produced by leg 1" in html or "由第 1 项产生" in html
    assert 'id="fee-total">70.00' in html


def test_unticking_an_optional_item_drops_its_leg_and_materials(centre_client, bundle, company_items, beilin,
                                                                clerk_beilin):
    registration, seal, tax = company_items
    page = centre_client(beilin, clerk_beilin).post("/joint/bundles/company-test/", {"refresh": "1"})
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-item="{seal.code}"' not in html and f'data-item="{tax.code}"' in html
    assert "营业执照复印件" not in html


def test_a_clerk_accepts_a_bundle_at_the_window_and_sees_every_leg(centre_client, bundle, company_items, beilin,
                                                                   clerk_beilin):
    from joint_approval.models import JointCase

    registration, seal, tax = company_items
    client = centre_client(beilin, clerk_beilin)
    response = client.post("/joint/bundles/company-test/", {
        "accept": "1", "items": [seal.pk], "materials": ["申请表"], "applicant_kind": "organisation",
        "applicant_name": "西安测试科技有限公司", "applicant_id_number": VALID_USCC, "phone": "13912345678"})
    joint = JointCase.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/joint/cases/{joint.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert joint.number in html and html.count("data-leg=") == 3
    assert 'data-centre="610100"' in html and 'data-centre="610103"' in html  # each leg's holder
    city_leg = joint.legs.get(item_code=tax.code)
    own_leg = joint.legs.get(item_code=registration.code)
    assert f"/cases/{own_leg.case_id}/" in html  # a leg held here links to its case page
    assert f"/cases/{city_leg.case_id}/" not in html  # the city's does not


def test_invalid_applicant_details_are_shown_on_the_form_and_nothing_is_accepted(centre_client, bundle, beilin,
                                                                                 clerk_beilin):
    from joint_approval.models import JointCase

    response = centre_client(beilin, clerk_beilin).post("/joint/bundles/company-test/", {
        "accept": "1", "applicant_kind": "organisation", "applicant_name": "X", "applicant_id_number": "123",
        "phone": "13912345678"})
    assert response.status_code == 400
    assert not JointCase.objects.exists()


def test_someone_not_staff_cannot_accept(centre_client, bundle, beilin):
    response = centre_client(beilin).post("/joint/bundles/company-test/", {
        "accept": "1", "applicant_kind": "organisation", "applicant_name": "X", "applicant_id_number": VALID_USCC,
        "phone": "13912345678"})
    assert response.status_code == 404


def test_a_district_clerk_cannot_act_on_the_citys_leg(centre_client, bundle, company_items, city, beilin,
                                                      clerk_beilin):
    """The city's leg lives in the city's schema: on Beilin's host its URL is 404, and on the city's
    host a Beilin clerk is nobody."""
    registration, seal, tax = company_items
    joint = accept(bundle, clerk_beilin, beilin)
    city_leg = joint.legs.get(item_code=tax.code)
    here = centre_client(beilin, clerk_beilin)
    assert here.get(f"/cases/{city_leg.case_id}/").status_code == 404
    assert here.post(f"/cases/{city_leg.case_id}/", {"action": "start_review", "revision": 1}).status_code == 404
    assert here.post(f"/api/v1/cases/{city_leg.case_id}/transitions/", {"action": "start_review"},
                     content_type="application/json").status_code == 404
    there = centre_client(city, clerk_beilin)
    assert there.get(f"/cases/{city_leg.case_id}/").status_code == 404
    assert there.post(f"/api/v1/cases/{city_leg.case_id}/transitions/", {"action": "start_review"},
                      content_type="application/json").status_code == 404
    assert city_leg.status == "accepted"
    from joint_approval.models import JointLeg

    assert JointLeg.objects.get(pk=city_leg.pk).status == "accepted"
    # their own leg they can act on
    own = joint.legs.get(item_code=registration.code)
    assert here.post(f"/api/v1/cases/{own.case_id}/transitions/", {"action": "start_review"},
                     content_type="application/json").status_code == 200


def test_the_joint_case_page_is_seen_by_the_centres_of_its_legs_and_the_city_only(
        centre_client, bundle, city, beilin, yanta, clerk_beilin, chief_city, make_user):
    from tenants.choices import Role

    joint = accept(bundle, clerk_beilin, beilin)
    url = f"/joint/cases/{joint.pk}/"
    assert centre_client(beilin, clerk_beilin).get(url).status_code == 200
    assert centre_client(city, chief_city).get(url).status_code == 200
    yanta_clerk = make_user((yanta, Role.WINDOW_CLERK))
    assert centre_client(yanta, yanta_clerk).get(url).status_code == 404
    assert centre_client(beilin, yanta_clerk).get(url).status_code == 404
    assert centre_client(beilin).get(url).status_code == 302  # anonymous: sign in first
    # the platform's host: the city's overview
    assert centre_client(None, chief_city).get(url).status_code == 200
    assert centre_client(None, yanta_clerk).get(url).status_code == 404


def test_the_case_page_of_a_leg_links_to_its_joint_case(centre_client, bundle, company_items, beilin, clerk_beilin):
    registration, seal, tax = company_items
    joint = accept(bundle, clerk_beilin, beilin)
    leg = joint.legs.get(item_code=registration.code)
    html = centre_client(beilin, clerk_beilin).get(f"/cases/{leg.case_id}/").content.decode()
    assert joint.number in html and f"/joint/cases/{joint.pk}/" in html


def test_the_catalogue_and_the_city_overview(centre_client, bundle, beilin, clerk_beilin, chief_city):
    accept(bundle, clerk_beilin, beilin)
    assert "Start a company" in centre_client(beilin).get("/joint/").content.decode()
    html = centre_client(None, chief_city).get("/joint/").content.decode()
    assert 'id="kpi-total">1<' in html
    assert centre_client(beilin, clerk_beilin).get("/joint/cases/").status_code == 200


def test_the_pages_speak_chinese(centre_client, bundle, beilin, clerk_beilin):
    html = centre_client(beilin, clerk_beilin).get("/joint/bundles/company-test/",
                                                   HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "受理：所有分项同步启动" in html and "开办企业" in html


def test_odd_digits_in_the_picker_are_ignored_not_a_crash(centre_client, bundle, beilin, clerk_beilin):
    client = centre_client(beilin, clerk_beilin)
    assert client.get("/joint/bundles/company-test/?items=²").status_code == 200
    assert client.post("/joint/bundles/company-test/", {"refresh": "1", "items": ["²"]}).status_code == 200


def test_the_history_names_each_leg_step_in_the_readers_language(centre_client, bundle, company_items, beilin,
                                                                  clerk_beilin, chief_city):
    """A leg's step is shown by its label (审查 …), not by the code `start_review`; the acceptance line
    in the reader's language, whoever accepted."""
    from django.utils import translation

    from cases.choices import Action
    from tests.joint_approval.conftest import step

    registration, seal, tax = company_items
    with translation.override("en"):
        joint = accept(bundle, clerk_beilin, beilin)
    step(joint.legs.get(item_code=registration.code), "start_review", clerk_beilin)
    html = centre_client(beilin, clerk_beilin).get(f"/joint/cases/{joint.pk}/",
                                                   HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    with translation.override("zh-hans"):
        label = str(Action.START_REVIEW.label)
    assert ">start_review<" not in html and label in html
    assert "legs started at once" not in html and "3 个分项同步启动" in html


def test_the_project_page_reads_a_fixed_number_of_queries_however_many_joint_cases(
        centre_client, company_items, gaoxin, clerk_gaoxin, django_assert_max_num_queries):
    registration, seal, tax = company_items
    project = linked_project_register(name_zh="高新区测试园", centre=gaoxin, company_name="西安测试科技有限公司",
                                      credit_code=VALID_USCC, year=2014,
                                      items=[(registration, "local"), (tax, "city")])
    client = centre_client(gaoxin, clerk_gaoxin)
    url = f"/joint/projects/{project.pk}/"

    def one_more():
        joint_case_accept(accepting_centre=gaoxin, acting_user=clerk_gaoxin, project=project,
                          applicant_kind="organisation", applicant_name="西安测试科技有限公司",
                          applicant_id_number=VALID_USCC, phone="13912345678")
        # joined (as if its legs were decided), so the project may be accepted again
        JointCase.objects.filter(project=project).update(status="completed")

    one_more()
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for _ in range(3):
        one_more()
    with django_assert_max_num_queries(len(one) + 1):  # +1: the host routing's once-a-second check
        assert client.get(url).content.decode().count('class="project-legs"') == 4


def test_the_citys_overview_of_joint_cases_is_empty_not_missing(centre_client, city, chief_city):
    response = centre_client(None, chief_city).get("/joint/cases/")
    assert response.status_code == 200
    assert "No joint case yet." in response.content.decode()


def test_the_joint_case_page_names_the_produced_document_in_english(centre_client, bundle, beilin, clerk_beilin):
    joint = accept(bundle, clerk_beilin, beilin)
    client = centre_client(beilin, clerk_beilin)
    english = client.get(f"/joint/cases/{joint.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "(produces Business licence)" in english and "营业执照" not in english
    chinese = client.get(f"/joint/cases/{joint.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "营业执照" in chinese


def test_the_lists_of_joint_cases_and_projects_read_a_fixed_number_of_queries(
        centre_client, bundle, city, beilin, clerk_beilin, chief_city, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    accept(bundle, clerk_beilin, beilin)
    urls = [(centre_client(beilin, clerk_beilin), "/joint/cases/"), (centre_client(city, chief_city), "/joint/"),
            (centre_client(None, chief_city), "/joint/cases/"), (centre_client(city, chief_city), "/joint/projects/"),
            (centre_client(beilin, clerk_beilin), "/api/v1/joint/cases/")]
    counts = []
    for client, url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    for _ in range(3):
        accept(bundle, clerk_beilin, beilin)
    for (client, url), count in zip(urls, counts, strict=True):
        # +1: the host routing re-reads its version at most once a second, in either round
        with django_assert_max_num_queries(count + 1):
            assert client.get(url).status_code == 200


def test_the_same_acceptance_form_sent_twice_accepts_once(centre_client, bundle, company_items, beilin,
                                                          clerk_beilin):
    """A double click (or a resend) on Accept does not start every leg twice at two centres."""
    import re

    from joint_approval.models import JointCase

    registration, seal, tax = company_items
    client = centre_client(beilin, clerk_beilin)
    page = client.get("/joint/bundles/company-test/").content.decode()
    token = re.search(r'name="token" value="([0-9a-f]{32})"', page).group(1)
    form = {"accept": "1", "items": [seal.pk], "materials": ["申请表"], "applicant_kind": "organisation",
            "applicant_name": "西安测试科技有限公司", "applicant_id_number": VALID_USCC, "phone": "13912345678",
            "token": token}
    first = client.post("/joint/bundles/company-test/", form)
    second = client.post("/joint/bundles/company-test/", form)
    joint = JointCase.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/joint/cases/{joint.pk}/"
    assert joint.legs.count() == 3
    # the same form changed after it accepted: told so, nothing more accepted
    changed = client.post("/joint/bundles/company-test/", {**form, "applicant_name": "别的公司"})
    assert changed.status_code == 422 and "already accepted a joint case" in changed.content.decode()
    assert JointCase.objects.count() == 1
    # a new page is a new form
    fresh = client.get("/joint/bundles/company-test/").content.decode()
    assert token not in fresh
    assert client.post("/joint/bundles/company-test/", {**form, "token": ""}).status_code == 302
    assert JointCase.objects.count() == 2


def test_the_catalogue_offers_the_joint_case_lists_only_to_those_who_follow_them(centre_client, bundle, beilin,
                                                                               clerk_beilin, chief_city,
                                                                               make_user):
    """A Beilin clerk on the platform's host, or someone without a role at a centre, sees the catalogue
    without an empty 'recent joint cases' box whose links are 404 for them."""
    for client in (centre_client(None, clerk_beilin), centre_client(beilin, make_user())):
        html = client.get("/joint/").content.decode()
        assert "Start a company" in html and 'href="/joint/cases/"' not in html
        assert client.get("/joint/cases/").status_code == 404
    for client in (centre_client(None, chief_city), centre_client(beilin, clerk_beilin)):
        html = client.get("/joint/").content.decode()
        assert 'href="/joint/cases/"' in html and client.get("/joint/cases/").status_code == 200


def test_a_linked_project_running_at_the_zone_is_not_accepted_again_at_the_city(
        centre_client, company_items, city, gaoxin, chief_city, clerk_gaoxin):
    """一站受理: once Gaoxin has accepted the project, the city's page no longer offers the acceptance,
    and a form sent anyway starts no second set of legs at both centres."""
    registration, seal, tax = company_items
    project = linked_project_register(name_zh="高新区测试园", centre=gaoxin, company_name="西安测试科技有限公司",
                                      credit_code=VALID_USCC, year=2014,
                                      items=[(registration, "local"), (tax, "city")])
    url = f"/joint/projects/{project.pk}/"
    city_client = centre_client(city, chief_city)
    assert 'id="project-accept"' in city_client.get(url).content.decode()
    form = {"materials": ["申请表"], "applicant_kind": "organisation", "applicant_name": "西安测试科技有限公司",
            "applicant_id_number": VALID_USCC, "phone": "13912345678"}
    joint = joint_case_accept(accepting_centre=gaoxin, acting_user=clerk_gaoxin, project=project,
                              applicant_kind="organisation", applicant_name="西安测试科技有限公司",
                              applicant_id_number=VALID_USCC, phone="13912345678").joint_case
    html = city_client.get(url).content.decode()
    assert 'id="project-accept"' not in html and 'id="project-running"' in html
    response = city_client.post(url, form)
    assert response.status_code == 409 and joint.number in response.content.decode()
    assert JointCase.objects.count() == 1
    # the same form sent twice (a double click) lands on the joint case it made, not on the refusal
    other = linked_project_register(name_zh="高新区第二园", centre=gaoxin, company_name="西安测试科技有限公司",
                                    credit_code=VALID_USCC, year=2015, items=[(tax, "city")])
    first = city_client.post(f"/joint/projects/{other.pk}/", {**form, "token": "a" * 32})
    again = city_client.post(f"/joint/projects/{other.pk}/", {**form, "token": "a" * 32})
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert JointCase.objects.filter(project=other).count() == 1


def test_the_bundle_page_the_api_and_the_joint_case_give_the_same_days_with_a_districts_shorter_promise(
        centre_client, bundle, company_items, beilin, clerk_beilin):
    # Given Beilin promises company registration in 2 working days (the master catalogue: 3)
    from catalog.models import Adoption
    from catalog.services import adoption_update

    registration, seal, tax = company_items
    adoption_update(adoption=Adoption.objects.get(centre=beilin, item=registration), acting_user=None,
                    promised_limit_days=2)
    client = centre_client(beilin, clerk_beilin)
    # When the clerk looks at the bundle (all items: 2 + 2 at Beilin, 5 at the city; capped at 4) ...
    page = client.get("/joint/bundles/company-test/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    api = client.get("/api/v1/joint/bundles/company-test/").json()["time_saved"]
    # ... and accepts it
    joint = accept(bundle, clerk_beilin, beilin, chosen_item_ids=[seal.pk])
    case_page = client.get(f"/joint/cases/{joint.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # Then every one of them says 9 one after another, 4 in parallel, 5 saved
    assert "One after another: 9 working days; in parallel: 4; saved: 5." in page
    assert api == {"sequential_days": 9, "parallel_days": 4, "days_saved": 5}
    assert (joint.sequential_days, joint.parallel_days, joint.days_saved) == (9, 4, 5)
    assert 'id="days-saved">5 working days' in case_page
