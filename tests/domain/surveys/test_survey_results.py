"""Survey results in aggregate, without exposing anyone: figures counted per question across
the versions answered, small groups suppressed (and the next smallest with them, so that no one
can subtract their way to a small group), scoped to what each role may see, and free-text
comments for the roles allowed to read them only."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from domain.core.errors import InvalidInput, NotAllowed, NotFound
from domain.core.pagination import Page
from domain.core.settings import PolicySettings
from domain.people.models import Person
from domain.surveys.definitions import Audience, QuestionType
from domain.surveys.models import CampaignKind, Cohort, SurveyCampaign
from domain.surveys.responses import comments as survey_comments
from domain.surveys.responses import results
from domain.surveys.responses.results import Breakdown, CampaignResults, QuestionResult
from tests.conftest import World
from tests.domain.audits.helpers import Authority, build_authority, uow
from tests.domain.surveys.results_helpers import (
    ANNUAL,
    STAFF,
    Responder,
    campaign,
    child_answers,
    seed_surveys,
    staff_answers,
    version_of,
)

POLICY = PolicySettings()  # type: ignore[call-arg]


@pytest.fixture
async def auth(world: World) -> Authority:
    await seed_surveys(world)
    return await build_authority(world)


async def read(
    auth: Authority,
    person: Person,
    c: SurveyCampaign,
    by: Breakdown | None = None,
    policy: PolicySettings = POLICY,
) -> CampaignResults:
    return await uow(
        auth.world,
        results.campaign_results,
        actor=auth.actor(person),
        policy_settings=policy,
        campaign_id=c.id,
        by=by,
    )


def question(found: CampaignResults, key: str, type: QuestionType | None = None) -> QuestionResult:
    [q] = [q for q in found.questions if q.key == key and (type is None or q.type is type)]
    return q


def groups(q: QuestionResult) -> dict[str, Any]:
    return {g.label: g.figures.respondents if not g.figures.suppressed else None for g in q.groups}


async def test_figures_per_question_across_the_versions_answered(
    world: World, auth: Authority
) -> None:
    c = await campaign(world, ANNUAL, CampaignKind.ANNUAL_SURVEY)
    r = Responder(world, c)
    middle = await version_of(world, ANNUAL, Audience.CHILD_8_TO_12)
    teens = await version_of(world, ANNUAL, Audience.CHILD_13_AND_OVER)
    await r.add(
        middle,
        [
            child_answers(8, feel_safe=5, who_helps=["worker", "school"], worries="Nothing."),
            child_answers(6, feel_safe=4, who_helps=["worker"]),
            child_answers(10, feel_safe=5, worker_listens="yes"),
            child_answers(7, feel_safe=3, worker_listens="sometimes", worries="  "),
        ],
        team=auth.team_a,
    )
    await r.add(
        teens,
        [child_answers(4, feel_safe=6), child_answers(9, feel_safe=9, working_well="My worker.")],
        team=auth.team_b,
    )
    found = await read(auth, auth.qa_lead, c)
    assert not found.suppressed and found.respondents == 6
    difference = question(found, "help_difference")
    assert difference.type is QuestionType.SCALE_0_10
    assert difference.overall.respondents == 6
    assert difference.overall.mean == round((8 + 6 + 10 + 7 + 4 + 9) / 6, 2)
    assert {c.answer: c.count for c in difference.overall.counts if c.count} == {
        "4": 1,
        "6": 1,
        "7": 1,
        "8": 1,
        "9": 1,
        "10": 1,
    }
    assert [c.answer for c in difference.overall.counts] == [str(n) for n in range(11)]
    assert [a.audience for a in difference.asked] == [
        Audience.CHILD_8_TO_12,
        Audience.CHILD_13_AND_OVER,
    ]
    # The same key asked as faces of one audience and as a 0 to 10 scale of another is two
    # questions; the 4 children's faces alone are under the minimum.
    faces = question(found, "feel_safe", QuestionType.EMOJI_SCALE)
    assert faces.overall.suppressed and faces.overall.respondents is None
    scale = question(found, "feel_safe", QuestionType.SCALE_0_10)
    assert scale.overall.suppressed
    # A multiple choice counts each option chosen; respondents are people, not ticks.
    who = question(found, "who_helps")
    assert who.overall.suppressed  # 2 answered
    # Free text: only how many answered (blank answers are not answers), never the text.
    assert question(found, "worries").overall.suppressed


async def test_scales_choices_and_free_text_counted_once_enough_answered(
    world: World, auth: Authority
) -> None:
    c = await campaign(world, ANNUAL, CampaignKind.ANNUAL_SURVEY)
    middle = await version_of(world, ANNUAL, Audience.CHILD_8_TO_12)
    await Responder(world, c).add(
        middle,
        [
            child_answers(
                5,
                feel_safe=1 + n % 5,
                who_helps=["worker", "family"] if n % 2 else ["school"],
                worker_listens=["yes", "no"][n % 2],
                working_well=f"Comment {n}",
            )
            for n in range(6)
        ],
        team=auth.team_a,
    )
    found = await read(auth, auth.psw, c)
    faces = question(found, "feel_safe")
    assert faces.overall.respondents == 6
    assert [(a.answer, a.label, a.count) for a in faces.overall.counts] == [
        ("1", "😢 Not safe", 2),
        ("2", "🙁 A bit unsafe", 1),
        ("3", "😐 Okay", 1),
        ("4", "🙂 Safe", 1),
        ("5", "😄 Very safe", 1),
    ]
    assert faces.overall.mean == round((1 + 2 + 3 + 4 + 5 + 1) / 6, 2)
    who = question(found, "who_helps")
    assert who.overall.respondents == 6
    assert {a.answer: a.count for a in who.overall.counts} == {
        "worker": 3,
        "family": 3,
        "carer": 0,
        "school": 3,
        "friends": 0,
        "someone_else": 0,
    }
    assert who.overall.mean is None
    listens = question(found, "worker_listens")
    assert [(a.answer, a.count) for a in listens.overall.counts] == [
        ("yes", 3),
        ("sometimes", 0),
        ("no", 3),
    ]
    text = question(found, "working_well")
    assert text.overall.respondents == 6 and text.overall.counts == () and text.overall.mean is None
    assert text.text == "What is going well for you?"


async def test_a_campaign_below_the_minimum_shows_nothing_at_all(
    world: World, auth: Authority
) -> None:
    c = await campaign(world, ANNUAL, CampaignKind.ANNUAL_SURVEY)
    middle = await version_of(world, ANNUAL, Audience.CHILD_8_TO_12)
    await Responder(world, c).add(middle, [child_answers(n) for n in range(4)], team=auth.team_a)
    found = await read(auth, auth.qa_lead, c, Breakdown.TEAM)
    assert found.suppressed and found.respondents is None and found.questions == ()
    # The policy's minimum is a setting.
    smaller = PolicySettings(minimum_group_size=3)  # type: ignore[call-arg]
    assert not (await read(auth, auth.qa_lead, c, policy=smaller)).suppressed


async def test_a_small_group_is_suppressed_and_the_next_smallest_with_it(
    world: World, auth: Authority
) -> None:
    c = await campaign(world, ANNUAL, CampaignKind.ANNUAL_SURVEY)
    r = Responder(world, c)
    middle = await version_of(world, ANNUAL, Audience.CHILD_8_TO_12)
    await r.add(middle, [child_answers(7)] * 6, team=auth.team_a, cohort=Cohort.CHILD_IN_NEED)
    await r.add(middle, [child_answers(8)] * 7, team=auth.team_b, cohort=Cohort.LOOKED_AFTER)
    await r.add(middle, [child_answers(2)] * 3, team=auth.team_c, cohort=Cohort.CARE_LEAVER)
    by_cohort = question(await read(auth, auth.qa_lead, c, Breakdown.COHORT), "help_difference")
    # Care leavers (3) are under the minimum; alone they could be had as 16 - 6 - 7, so the
    # next smallest group (child in need, 6) goes too.
    assert by_cohort.overall.respondents == 16
    assert groups(by_cohort) == {"Care leavers": None, "Looked after": 7, "Child in need": None}
    found = await read(auth, auth.qa_lead, c, Breakdown.TEAM)
    q = question(found, "help_difference")
    # By team likewise: team C (3), then team A (6); and then team B, A's only sibling in Children's Social Care,
    # whose figure by service less B's would give A.
    assert groups(q) == {
        "Assessment Team A": None,
        "Bridge Team B": None,
        "Community Team C": None,
    }
    hidden = next(g for g in q.groups if g.label == "Community Team C").figures
    assert hidden.counts == () and hidden.mean is None
    by_service = question(await read(auth, auth.qa_lead, c, Breakdown.SERVICE), "help_difference")
    # Family First's only team is C: the service is the same 3 people.
    assert groups(by_service) == {"Children's Social Care": None, "Family First": None}


async def test_by_team_the_next_smallest_is_taken_within_the_same_service(
    world: World, auth: Authority
) -> None:
    c = await campaign(world, ANNUAL, CampaignKind.ANNUAL_SURVEY)
    r = Responder(world, c)
    middle = await version_of(world, ANNUAL, Audience.CHILD_8_TO_12)
    await r.add(middle, [child_answers(7)] * 3, team=auth.team_a)
    await r.add(middle, [child_answers(8)] * 10, team=auth.team_b)
    await r.add(middle, [child_answers(2)] * 6, team=auth.team_c)
    q = question(await read(auth, auth.qa_lead, c, Breakdown.TEAM), "help_difference")
    # Children's Social Care (13, shown by service) less team B would give team A away, so B
    # goes with A, although team C is smaller.
    assert groups(q) == {"Assessment Team A": None, "Bridge Team B": None, "Community Team C": 6}
    by_service = question(await read(auth, auth.qa_lead, c, Breakdown.SERVICE), "help_difference")
    assert groups(by_service) == {"Children's Social Care": 13, "Family First": 6}


async def test_suppressed_groups_together_under_the_minimum_take_another(
    world: World, auth: Authority
) -> None:
    c = await campaign(world, ANNUAL, CampaignKind.ANNUAL_SURVEY)
    r = Responder(world, c)
    middle = await version_of(world, ANNUAL, Audience.CHILD_8_TO_12)
    await r.add(middle, [child_answers(1)] * 2, team=auth.team_a, cohort=Cohort.CARE_LEAVER)
    await r.add(middle, [child_answers(2)] * 2, team=auth.team_a, cohort=Cohort.LOOKED_AFTER)
    await r.add(middle, [child_answers(3)] * 8, team=auth.team_a, cohort=Cohort.CHILD_IN_NEED)
    await r.add(middle, [child_answers(4)] * 9, team=auth.team_a, cohort=Cohort.OTHER)
    q = question(await read(auth, auth.qa_lead, c, Breakdown.COHORT), "help_difference")
    assert groups(q) == {
        "Care leavers": None,
        "Looked after": None,
        "Child in need": None,
        "Other": 9,
    }


def test_the_suppression_rule_on_its_own() -> None:
    assert results.suppressed_groups({"a": 5, "b": 6}, 5) == set()
    assert results.suppressed_groups({"a": 4, "b": 6, "c": 9}, 5) == {"a", "b"}
    assert results.suppressed_groups({"a": 4, "b": 3, "c": 9}, 5) == {"a", "b"}
    assert results.suppressed_groups({"a": 1, "b": 2, "c": 9, "d": 10}, 5) == {"a", "b", "c"}
    assert results.suppressed_groups({"a": 4}, 5) == {"a"}
    # Within a partition first: a's only sibling in its partition goes, not the smaller c.
    assert results.suppressed_groups(
        {"a": 3, "b": 10, "c": 6}, 5, partitions=[["a", "b"], ["c"]]
    ) == {"a", "b"}


async def test_a_question_answered_by_too_few_shows_no_figures(
    world: World, auth: Authority
) -> None:
    c = await campaign(world, ANNUAL, CampaignKind.ANNUAL_SURVEY)
    middle = await version_of(world, ANNUAL, Audience.CHILD_8_TO_12)
    await Responder(world, c).add(
        middle,
        [child_answers(5, worker_listens="no")] * 2 + [child_answers(6)] * 8,
        team=auth.team_a,
    )
    found = await read(auth, auth.qa_lead, c, Breakdown.TEAM)
    listens = question(found, "worker_listens")
    assert listens.overall.suppressed
    assert [g.figures.suppressed for g in listens.groups] == [True]
    assert question(found, "help_difference").overall.respondents == 10


# --- scope ---------------------------------------------------------------------------------------


@pytest.fixture
async def spread(world: World, auth: Authority) -> SurveyCampaign:
    """Team A 6, team B 7 (Children's Social Care), team C 3 (Family First)."""
    c = await campaign(world, ANNUAL, CampaignKind.ANNUAL_SURVEY)
    r = Responder(world, c)
    middle = await version_of(world, ANNUAL, Audience.CHILD_8_TO_12)
    await r.add(middle, [child_answers(7)] * 6, team=auth.team_a)
    await r.add(middle, [child_answers(8)] * 7, team=auth.team_b)
    await r.add(middle, [child_answers(2)] * 3, team=auth.team_c)
    return c


@pytest.mark.parametrize("who", ["qa_lead", "psw", "dcs", "aed"])
async def test_authority_roles_see_the_whole_authority(
    world: World, auth: Authority, spread: SurveyCampaign, who: str
) -> None:
    found = await read(auth, auth.person(who), spread)
    assert found.respondents == 16


async def test_a_head_of_service_sees_their_service_only(
    world: World, auth: Authority, spread: SurveyCampaign
) -> None:
    for who in ("hos_csc", "gm"):
        q = question(await read(auth, auth.person(who), spread, Breakdown.TEAM), "help_difference")
        assert q.overall.respondents == 13
        assert q.overall.mean == round((6 * 7 + 7 * 8) / 13, 2)
        assert groups(q) == {"Assessment Team A": 6, "Bridge Team B": 7}
    # Family First's 3 respondents: under the minimum after scoping, so nothing at all.
    found = await read(auth, auth.hos_ff, spread, Breakdown.TEAM)
    assert found.suppressed and found.questions == ()


async def test_a_team_manager_sees_their_team(
    world: World, auth: Authority, spread: SurveyCampaign
) -> None:
    q = question(await read(auth, auth.tm_b, spread, Breakdown.SERVICE), "help_difference")
    assert q.overall.respondents == 7 and groups(q) == {"Children's Social Care": 7}


@pytest.mark.parametrize("who", ["ann", "admin", "partner", "iro", "qau"])
async def test_other_roles_see_no_results(
    world: World, auth: Authority, spread: SurveyCampaign, who: str
) -> None:
    with pytest.raises(NotAllowed):
        await read(auth, auth.person(who), spread)


async def test_an_unknown_campaign_is_not_found(world: World, auth: Authority) -> None:
    ghost = SurveyCampaign(id=uuid.uuid4())
    with pytest.raises(NotFound):
        await read(auth, auth.qa_lead, ghost)


# --- staff feedback ----------------------------------------------------------------------------


async def test_staff_health_check_a_team_of_four_is_suppressed_and_a_service_of_nine_shown(
    world: World, auth: Authority
) -> None:
    c = await campaign(world, STAFF, CampaignKind.STAFF_SURVEY, "Annual Health Check 2026")
    staff = await version_of(world, STAFF, Audience.STAFF)
    r = Responder(world, c)
    await r.add(staff, [staff_answers(3)] * 4, team=auth.team_a, cohort=Cohort.STAFF)
    await r.add(staff, [staff_answers(6)] * 5, team=auth.team_b, cohort=Cohort.STAFF)
    by_team = await read(auth, auth.qa_lead, c, Breakdown.TEAM)
    workload = question(by_team, "workload")
    assert workload.overall.respondents == 9
    assert groups(workload) == {"Assessment Team A": None, "Bridge Team B": None}
    by_service = await read(auth, auth.qa_lead, c, Breakdown.SERVICE)
    workload = question(by_service, "workload")
    assert groups(workload) == {"Children's Social Care": 9}
    [service] = workload.groups
    assert service.figures.mean == round((4 * 3 + 5 * 6) / 9, 2)
    assert {a.answer: a.count for a in service.figures.counts if a.count} == {"3": 4, "6": 5}
    # The team's own manager, scoped to those 4, sees nothing.
    assert (await read(auth, auth.tm_a, c, Breakdown.TEAM)).suppressed


# --- comments ----------------------------------------------------------------------------------


async def comments(
    auth: Authority, person: Person, c: SurveyCampaign, key: str, **page: Any
) -> Page[survey_comments.Comment]:
    return await uow(
        auth.world,
        survey_comments.list_comments,
        actor=auth.actor(person),
        policy_settings=POLICY,
        campaign_id=c.id,
        question_key=key,
        first=page.get("first"),
        after=page.get("after"),
    )


async def test_comments_newest_first_with_the_team_only_when_its_group_is_large_enough(
    world: World, auth: Authority
) -> None:
    c = await campaign(world, ANNUAL, CampaignKind.ANNUAL_SURVEY)
    r = Responder(world, c)
    middle = await version_of(world, ANNUAL, Audience.CHILD_8_TO_12)
    await r.add(
        middle,
        [child_answers(5, worries=f"A worry {n}") for n in range(6)],
        team=auth.team_a,
        submitted_on=date(2026, 11, 10),
    )
    await r.add(
        middle,
        [child_answers(5, worries='=HYPERLINK("x")'), child_answers(5)],
        team=auth.team_c,
        submitted_on=date(2026, 11, 12),
    )
    page = await comments(auth, auth.qa_lead, c, "worries", first=5)
    assert page.has_next_page and len(page.items) == 5
    newest = page.items[0]
    assert newest.submitted_on == date(2026, 11, 12) and newest.team_id is None
    assert newest.audience is Audience.CHILD_8_TO_12  # 8 children of that age in all
    assert all(c.team_id == auth.team_a.id for c in page.items[1:])
    assert all(c.team_name == "Assessment Team A" for c in page.items[1:])
    rest = await comments(auth, auth.qa_lead, c, "worries", after=page.cursors[-1])
    assert len(rest.items) == 2 and not rest.has_next_page
    texts = {x.text for x in page.items + rest.items}
    assert texts == {f"A worry {n}" for n in range(6)} | {'=HYPERLINK("x")'}
    assert not any(hasattr(x, "response_id") or hasattr(x, "id") for x in page.items)


@pytest.mark.parametrize("who", ["hos_csc", "gm", "tm_a", "ann", "admin", "partner"])
async def test_comments_are_refused_to_other_roles(
    world: World, auth: Authority, spread: SurveyCampaign, who: str
) -> None:
    with pytest.raises(NotAllowed):
        await comments(auth, auth.person(who), spread, "worries")


async def test_comments_only_for_free_text_questions(
    world: World, auth: Authority, spread: SurveyCampaign
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await comments(auth, auth.dcs, spread, "help_difference")
    assert refused.value.field == "questionKey"


async def test_no_comments_from_a_campaign_below_the_minimum(world: World, auth: Authority) -> None:
    c = await campaign(world, ANNUAL, CampaignKind.ANNUAL_SURVEY)
    middle = await version_of(world, ANNUAL, Audience.CHILD_8_TO_12)
    await Responder(world, c).add(middle, [child_answers(1, worries="Help")] * 4)
    assert (await comments(auth, auth.aed, c, "worries")).items == []
