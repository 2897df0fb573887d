"""Reads of joint approvals and who may see them. Missing and forbidden look alike (404).

- The bundle catalogue is public (it is the service guide of the joint services).
- A joint case is seen by the staff of every centre that holds one of its legs or accepted it (and,
  for a linked project, of the project's zone or district), by the city centre's staff (the city
  follows every joint case), and by platform administrators.
  Seeing is not acting: a leg is acted on only on its own centre's host, where its case lives.
- Linked projects (the key-project register's projects taken into the linked approval): the city's staff
  see them all, a zone's or district's staff its own.
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from joint_approval.choices import BundleKind, JointStatus
from joint_approval.models import Bundle, BundleItem, JointCase, JointLeg, LinkedProjectItem
from projects.models import KeyProject
from projects.selectors import key_project_list
from registry.hooks import JointFacts, JointNumberAsked
from tenants.choices import Level
from tenants.models import AnyUser, Centre
from tenants.selectors import user_is_platform_admin, user_is_staff_of


def bundle_list(*, kind: str | None = None) -> QuerySet[Bundle]:
    qs = Bundle.objects.filter(active=True).annotate(item_count=Count("items"))
    if kind in BundleKind.values:
        qs = qs.filter(kind=kind)
    return qs.order_by("position", "code")


def bundle_get(*, code: str) -> Bundle:
    bundle = (Bundle.objects.filter(code=code, active=True)
              .prefetch_related(Prefetch("items", queryset=BundleItem.objects.select_related(
                  "item__current_version", "item__department").order_by("position", "pk"))).first())
    if bundle is None:
        raise Http404
    return bundle


def _city_staff(user: AnyUser) -> bool:
    city = Centre.objects.filter(level=Level.CITY).first()
    return city is not None and user_is_staff_of(user=user, centre=city)


def follows_every_joint_case(*, user: AnyUser) -> bool:
    """The city's overview on the platform's host: the city centre's staff and platform administrators."""
    return user.is_authenticated and (user_is_platform_admin(user=user) or _city_staff(user))


def follows_joint_cases(*, user: AnyUser, centre: Centre | None) -> bool:
    """Whether `user` has joint cases and projects to follow on this host: a centre's staff on its
    host, the city's overview on the platform's."""
    if centre is None:
        return follows_every_joint_case(user=user)
    return user.is_authenticated and user_is_staff_of(user=user, centre=centre)


def joint_cases_visible(*, user: AnyUser, centre: Centre | None) -> QuerySet[JointCase]:
    """The joint cases `user` may see on `centre`'s host (None: the platform's host, the city's
    overview). Anyone else sees none."""
    if not user.is_authenticated:
        return JointCase.objects.none()
    qs = JointCase.objects.select_related("bundle", "project", "accepting_centre")
    if centre is None:
        return qs if follows_every_joint_case(user=user) else qs.none()
    if not user_is_staff_of(user=user, centre=centre):
        return qs.none()
    if centre.level == Level.CITY:
        return qs
    # a linked project's zone follows the whole project, its city-level legs included
    return qs.filter(Q(accepting_centre=centre) | Q(legs__centre=centre) | Q(project__centre=centre)).distinct()


def joint_case_list_for(*, user: AnyUser, centre: Centre | None, status: str = "") -> QuerySet[JointCase]:
    qs = joint_cases_visible(user=user, centre=centre).annotate(leg_count=Count("legs", distinct=True))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-accepted_at", "number")


def joint_case_get_for(*, user: AnyUser, centre: Centre | None, joint_case_id: uuid.UUID | str) -> JointCase:
    """One joint case with its legs (each with its holding centre) and events; 404 if not visible."""
    joint = (joint_cases_visible(user=user, centre=centre).filter(pk=joint_case_id)
             .prefetch_related(Prefetch("legs", queryset=JointLeg.objects.select_related("centre")
                                        .order_by("position")), "events").first())
    if joint is None:
        raise Http404
    return joint


def joint_case_just_accepted(*, joint: JointCase, legs: Sequence[JointLeg]) -> JointCase:
    """`joint` as `joint_case_get_for` gives it (its legs in order, each with its centre), from the rows
    its acceptance has just written, for the staff who accepted it: nothing read back."""
    rows = joint.legs.all()  # a query never run: its result given, as prefetch_related gives it
    rows._result_cache = sorted(legs, key=lambda leg: leg.position)
    rows._prefetch_done = True  # type: ignore[attr-defined]
    joint._prefetched_objects_cache = {"legs": rows}  # type: ignore[attr-defined]
    return joint


def produces_en_of(joint: JointCase) -> dict[int, str]:
    """item id → the English name of the document its leg produces (the leg mirror keeps the Chinese)."""
    rows = (BundleItem.objects.filter(bundle_id=joint.bundle_id) if joint.bundle_id is not None
            else LinkedProjectItem.objects.filter(project_id=joint.project_id))
    return dict(rows.exclude(produces_en="").values_list("item_id", "produces_en"))


def projects_visible(*, user: AnyUser, centre: Centre | None) -> QuerySet[KeyProject]:
    """The register's projects in the linked approval that `user` may see on this host (None: the
    platform's host, the city's staff and platform administrators)."""
    qs = key_project_list().filter(linked__isnull=False)
    if not user.is_authenticated:
        return qs.none()
    if centre is None:
        return qs if user_is_platform_admin(user=user) or _city_staff(user) else qs.none()
    if not user_is_staff_of(user=user, centre=centre):
        return qs.none()
    return qs if centre.level == Level.CITY else qs.filter(centre=centre)


def project_list_for(*, user: AnyUser, centre: Centre | None) -> QuerySet[KeyProject]:
    return projects_visible(user=user, centre=centre).annotate(
        item_count=Count("linked_items", distinct=True),
        city_items=Count("linked_items", filter=Q(linked_items__level="city"), distinct=True),
        joint_count=Count("joint_cases", distinct=True)).order_by("-year", "centre__division_code", "name_zh")


def project_get_for(*, user: AnyUser, centre: Centre | None, project_id: int) -> KeyProject:
    """A linked project with its items (404 when not visible here, as when missing)."""
    project = (projects_visible(user=user, centre=centre).filter(pk=project_id)
               .prefetch_related(Prefetch("linked_items", queryset=LinkedProjectItem.objects.select_related(
                   "item__current_version", "item__department").order_by("position", "pk"))).first())
    if project is None:
        raise Http404
    return project


def project_running_joint_case(*, project: KeyProject) -> JointCase | None:
    """The project's joint case still running, if any (a project is accepted once at a time)."""
    return (project.joint_cases.filter(status=JointStatus.RUNNING).select_related("accepting_centre")
            .order_by("-accepted_at").first())


def leg_link_allowed(*, leg: JointLeg, centre: Centre | None) -> bool:
    """A leg's case page is reachable only on its own centre's host."""
    return centre is not None and leg.centre_id == centre.pk


# --- what the public sees (the progress lookup, registry.hooks) ----------------------------------

def joint_facts(joint: JointCase, leg_case_ids: list[uuid.UUID] | None = None) -> JointFacts:
    """What the public may see of `joint` beyond its legs' registry rows (`registry.hooks.JointFacts`):
    no applicant. `leg_case_ids`: the legs' case ids by position when read with the joint case (else one
    query)."""
    if leg_case_ids is None:
        leg_case_ids = list(joint.legs.order_by("position").values_list("case_id", flat=True))
    return JointFacts(
        joint_case_id=joint.pk, number=joint.number, title_zh=joint.title_zh, title_en=joint.title_en,
        status=joint.status, status_label=joint.get_status_display(), is_open=joint.status == JointStatus.RUNNING,
        accepting_centre=joint.accepting_centre, accepted_on=joint.accepted_on, due=joint.due,
        completed_at=joint.completed_at, leg_case_ids=tuple(leg_case_ids))


def on_joint_number_asked(event: JointNumberAsked) -> None:
    """Answer the progress lookup's question about a joint case number (a listener of
    `registry.hooks.joint_number_asked`): its facts, or nothing for an unknown number. One query, known
    or not (the lookup's two answers cost the same)."""
    joint = (JointCase.objects.select_related("accepting_centre").filter(number=event.number)
             .annotate(leg_ids=ArrayAgg("legs__case_id", order_by="legs__position")).first())
    if joint is not None:
        event.facts = joint_facts(joint, [pk for pk in joint.leg_ids if pk is not None])
