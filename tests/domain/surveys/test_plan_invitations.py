"""Whom a campaign invites and whom it skips (campaigns/invitations.py `plan_invitations`),
decided without a database from what the load step found."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from domain.children.models import Child
from domain.core.errors import InvalidInput
from domain.people.models import Team
from domain.surveys.campaigns.invitations import Invitee, Known, plan_invitations
from domain.surveys.definitions import Audience
from domain.surveys.models import CampaignKind, Channel, Cohort, SurveyVersion

TODAY = date(2026, 3, 2)
SERVICE = uuid.uuid4()


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """Nothing here touches the database."""


def _version(audience: Audience, *languages: str) -> SurveyVersion:
    translations = {lang: {"title": "T"} for lang in ("en", *languages)}
    return SurveyVersion(
        id=uuid.uuid4(), audience=audience, definition={"translations": translations}
    )


def _child(reference: str, born: date, **flags: bool) -> Child:
    team = Team(id=uuid.uuid4(), service_id=SERVICE)
    child = Child(
        id=uuid.uuid4(),
        case_reference=reference,
        team_id=team.id,
        date_of_birth=born,
        child_protection_plan_start=None,
        **{"care_leaver": False, "looked_after": False, "child_in_need": False, **flags},
        family_first=False,
    )
    child.team = team
    return child


def _known(*children: Child, opted: frozenset[uuid.UUID] = frozenset()) -> Known:
    versions: dict[Audience, SurveyVersion] = {
        a: _version(a, "cy") for a in Audience if a is not Audience.STAFF
    }
    return Known(
        versions=versions,
        children={c.case_reference: c for c in children},
        opted_children=opted,
    )


def test_each_child_is_asked_as_their_age_and_counted_in_their_cohort() -> None:
    young = _child("C-1", date(2020, 1, 1))
    teen = _child("C-2", date(2010, 1, 1), looked_after=True)
    invitees = [
        Invitee(channel=Channel.PRINT, child_reference="C-1"),
        Invitee(channel=Channel.EMAIL, child_reference=" C-2 ", contact="a@b.org", language="cy"),
        Invitee(channel=Channel.PRINT, child_reference="C-2", audience=Audience.PARENT_CARER),
    ]
    plan = plan_invitations(CampaignKind.ANNUAL_SURVEY, invitees, _known(young, teen), TODAY)
    assert plan.skipped == []
    assert [p.audience for p in plan.invite] == [
        Audience.CHILD_UNDER_8,
        Audience.CHILD_13_AND_OVER,
        Audience.PARENT_CARER,
    ]
    assert plan.invite[1].about["cohort"] is Cohort.LOOKED_AFTER
    assert plan.invite[1].about["service_id"] == SERVICE
    assert (plan.invite[1].language, plan.invite[1].contact) == ("cy", "a@b.org")
    assert plan.invite[0].contact is None


def test_unknown_and_opted_out_children_are_skipped_with_the_reason() -> None:
    opted = _child("C-3", date(2012, 5, 5))
    invitees = [
        Invitee(channel=Channel.PRINT, child_reference="C-9"),
        Invitee(channel=Channel.PRINT, child_reference="C-3"),
    ]
    plan = plan_invitations(
        CampaignKind.ANNUAL_SURVEY, invitees, _known(opted, opted=frozenset({opted.id})), TODAY
    )
    assert plan.invite == []
    assert plan.skipped == [
        (0, "No child you may see has that case reference."),
        (1, "Opted out of surveys."),
    ]


def test_an_audience_without_a_version_is_skipped() -> None:
    child = _child("C-4", date(2015, 1, 1))
    known = Known(versions={}, children={"C-4": child})
    plan = plan_invitations(
        CampaignKind.ANNUAL_SURVEY,
        [Invitee(channel=Channel.PRINT, child_reference="C-4")],
        known,
        TODAY,
    )
    assert plan.skipped == [(0, "This survey has no version for CHILD_8_TO_12.")]


def test_staff_are_invited_only_to_a_staff_survey() -> None:
    person = uuid.uuid4()
    team = uuid.uuid4()
    known = Known(
        versions={Audience.STAFF: _version(Audience.STAFF)}, people={person: (team, SERVICE)}
    )
    staff = [Invitee(channel=Channel.EMAIL, person_id=person, contact="x@y.org")]
    plan = plan_invitations(CampaignKind.STAFF_SURVEY, staff, known, TODAY)
    assert plan.invite[0].about == {
        "child_id": None,
        "person_id": person,
        "team_id": team,
        "service_id": SERVICE,
        "cohort": Cohort.STAFF,
    }
    with pytest.raises(InvalidInput, match=r"Only a staff survey invites staff\."):
        plan_invitations(CampaignKind.ANNUAL_SURVEY, staff, known, TODAY)


@pytest.mark.parametrize(
    ("invitee", "message"),
    [
        (Invitee(channel=Channel.EMAIL, child_reference="C-1", contact="nope"), "not an email"),
        (Invitee(channel=Channel.SMS, child_reference="C-1", contact="0123"), "UK mobile"),
        (Invitee(channel=Channel.PRINT, child_reference="C-1", contact="a@b.org"), "no contact"),
        (Invitee(channel=Channel.PRINT), "Name either"),
    ],
)
def test_anything_malformed_refuses_the_whole_call(invitee: Invitee, message: str) -> None:
    child = _child("C-1", date(2015, 1, 1))
    fine = Invitee(channel=Channel.PRINT, child_reference="C-1")
    with pytest.raises(InvalidInput, match=message) as refused:
        plan_invitations(CampaignKind.ANNUAL_SURVEY, [fine, invitee], _known(child), TODAY)
    assert refused.value.field == "invitees.1"
