"""Survey definitions: the shape of a version, the audience rules (children under 8 answer with
faces, pictures and by drawing or telling), plain-language lengths, translations held as data
and complete, answers checked against the version they answer, versions that never change,
and the default surveys seeded once."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from domain.core.errors import InvalidInput, NotAllowed
from domain.core.roles import SYSTEM, Role, ScopeType
from domain.history.models import HistoryEntry
from domain.surveys.definitions import (
    FACES,
    AnswerProblemKind,
    Audience,
    Definition,
    DefinitionInvalid,
    DefinitionProblem,
    check_answers,
    load_definition,
    parse_definition,
    reference,
)
from domain.surveys.definitions import publishing as surveys
from domain.surveys.models import Survey, SurveyVersion
from tests.conftest import World
from tests.domain.audits.helpers import act, actor_of, count_rows, uow

FACE_LABELS = ["Very sad", "Sad", "Okay", "Happy", "Very happy"]


def sample() -> dict[str, Any]:
    """A small version for 8 to 12 year olds with one question of every type, in English and
    Welsh."""
    return {
        "questions": [
            {"key": "feel_safe", "type": "EMOJI_SCALE", "required": True},
            {"key": "difference", "type": "SCALE_0_10", "required": True},
            {
                "key": "listens",
                "type": "SINGLE_CHOICE",
                "options": [{"key": "yes", "emoji": "👍"}, {"key": "no", "emoji": "👎"}],
            },
            {
                "key": "who_helps",
                "type": "MULTIPLE_CHOICE",
                "options": [{"key": "worker"}, {"key": "family"}, {"key": "school"}],
            },
            {"key": "better", "type": "FREE_TEXT", "maxLength": 20},
        ],
        "translations": {
            "en": {
                "title": "What difference has our help made?",
                "questions": {
                    "feel_safe": {"text": "How safe do you feel?", "faces": FACE_LABELS},
                    "difference": {
                        "text": "How much better are things?",
                        "low": "0: not better",
                        "high": "10: much better",
                    },
                    "listens": {
                        "text": "Does your worker listen?",
                        "options": {"yes": "Yes", "no": "No"},
                    },
                    "who_helps": {
                        "text": "Who helps you?",
                        "options": {"worker": "Worker", "family": "Family", "school": "School"},
                    },
                    "better": {"text": "What would make things better?"},
                },
            },
            "cy": {
                "title": "Pa wahaniaeth mae ein help wedi'i wneud?",
                "questions": {
                    "feel_safe": {
                        "text": "Pa mor ddiogel wyt ti'n teimlo?",
                        "faces": ["Trist iawn", "Trist", "Go lew", "Hapus", "Hapus iawn"],
                    },
                    "difference": {"text": "Faint gwell yw pethau?", "low": "0", "high": "10"},
                    "listens": {
                        "text": "Ydy dy weithiwr yn gwrando?",
                        "options": {"yes": "Ydy", "no": "Nac ydy"},
                    },
                    "who_helps": {
                        "text": "Pwy sy'n dy helpu di?",
                        "options": {"worker": "Gweithiwr", "family": "Teulu", "school": "Ysgol"},
                    },
                    "better": {"text": "Beth fyddai'n gwneud pethau'n well?"},
                },
            },
        },
    }


def parse(d: dict[str, Any], audience: Audience = Audience.CHILD_8_TO_12) -> Definition:
    return parse_definition(audience, d["questions"], d["translations"])


def problems(d: dict[str, Any], audience: Audience = Audience.CHILD_8_TO_12) -> dict[str, str]:
    with pytest.raises(DefinitionInvalid) as caught:
        parse(d, audience)
    return {p.field: p.kind.value for p in caught.value.problems}


# --- the shape of a version --------------------------------------------------------------------


def test_a_version_with_every_question_type_in_two_languages_is_accepted() -> None:
    d = parse(sample())
    assert d.languages == ["en", "cy"]
    assert [q.type.value for q in d.questions] == [
        "EMOJI_SCALE",
        "SCALE_0_10",
        "SINGLE_CHOICE",
        "MULTIPLE_CHOICE",
        "FREE_TEXT",
    ]
    assert load_definition(d.dump()) == d


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["questions"].clear(), "questions"),
        (lambda d: d["questions"][1].update(type="SLIDER"), "questions.1.type"),
        (lambda d: d["questions"][0].update(key="Feel Safe"), "questions.0.key"),
        (lambda d: d["questions"][0].update(colour="red"), "questions.0.colour"),
        (lambda d: d["questions"][4].update(maxLength=0), "questions.4.maxLength"),
        (lambda d: d["questions"][2]["options"][0].update(key=7), "questions.2.options.0.key"),
        (lambda d: d["translations"]["en"].update(title="  "), "translations.en.title"),
        (lambda d: d["translations"].update({"Welsh": {}}), "translations.Welsh.[key]"),
    ],
)
def test_a_malformed_version_is_refused_naming_the_field(change: Any, field: str) -> None:
    d = sample()
    change(d)
    assert problems(d).get(field) == "MALFORMED", problems(d)


def test_question_and_option_keys_are_unique_and_choices_have_two_options() -> None:
    d = sample()
    d["questions"][1]["key"] = "feel_safe"
    d["questions"][3]["options"].append({"key": "school"})
    d["questions"][2]["options"] = d["questions"][2]["options"][:1]
    found = problems(d)
    assert found["questions.1.key"] == "DUPLICATE_KEY"
    assert found["questions.3.options"] == "DUPLICATE_KEY"
    assert found["questions.2.options"] == "MALFORMED"


def test_options_belong_to_choices_and_a_length_to_free_text() -> None:
    d = sample()
    d["questions"][0]["options"] = [{"key": "a"}, {"key": "b"}]
    d["questions"][1]["maxLength"] = 10
    found = problems(d)
    assert found["questions.0.options"] == "MALFORMED"
    assert found["questions.1.maxLength"] == "MALFORMED"


# --- the audience: children under 8 ------------------------------------------------------------


def under_8() -> dict[str, Any]:
    d = sample()
    del d["questions"][3], d["questions"][1]
    for lang in ("en", "cy"):
        del d["translations"][lang]["questions"]["who_helps"]
        del d["translations"][lang]["questions"]["difference"]
    return d


def test_children_under_8_answer_with_faces_pictures_and_draw_or_tell() -> None:
    d = parse(under_8(), Audience.CHILD_UNDER_8)
    assert {q.type.value for q in d.questions} == {"EMOJI_SCALE", "SINGLE_CHOICE", "FREE_TEXT"}


def test_a_0_to_10_scale_and_multiple_choice_are_refused_for_children_under_8() -> None:
    found = problems(sample(), Audience.CHILD_UNDER_8)
    assert found["questions.1.type"] == "NOT_FOR_AUDIENCE"
    assert found["questions.3.type"] == "NOT_FOR_AUDIENCE"


def test_every_option_has_a_picture_for_children_under_8() -> None:
    d = under_8()
    del d["questions"][1]["options"][1]["emoji"]
    assert problems(d, Audience.CHILD_UNDER_8) == {
        "questions.1.options.1.emoji": "NOT_FOR_AUDIENCE"
    }
    # Older children may have options without pictures.
    parse(d, Audience.CHILD_8_TO_12)


def test_free_text_is_short_for_children_under_8() -> None:
    d = under_8()
    d["questions"][2]["maxLength"] = 2000
    assert problems(d, Audience.CHILD_UNDER_8) == {"questions.2.maxLength": "NOT_FOR_AUDIENCE"}
    del d["questions"][2]["maxLength"]  # the default length is too long for them as well
    assert problems(d, Audience.CHILD_UNDER_8) == {"questions.2.maxLength": "NOT_FOR_AUDIENCE"}


def test_wording_is_plain_and_short_for_each_audience() -> None:
    d = sample()
    d["translations"]["en"]["questions"]["listens"]["text"] = "x" * 121
    d["translations"]["cy"]["questions"]["listens"]["options"]["yes"] = "y" * 41
    found = problems(d)
    assert found == {
        "translations.en.questions.listens.text": "TOO_LONG",
        "translations.cy.questions.listens.options.yes": "TOO_LONG",
    }
    # 121 characters are fine for staff (up to 200), not for a child under 8 (80).
    parse(d | {"translations": sample()["translations"]}, Audience.STAFF)
    staff = sample()
    staff["translations"]["en"]["questions"]["better"]["text"] = "x" * 121
    parse(staff, Audience.STAFF)
    young = under_8()
    young["translations"]["en"]["questions"]["better"]["text"] = "x" * 81
    assert problems(young, Audience.CHILD_UNDER_8) == {
        "translations.en.questions.better.text": "TOO_LONG"
    }


# --- translations ------------------------------------------------------------------------------


def test_english_is_required() -> None:
    d = sample()
    del d["translations"]["en"]
    assert problems(d) == {"translations.en": "MISSING_TRANSLATION"}


@pytest.mark.parametrize(
    ("remove", "field"),
    [
        (lambda q: q.pop("listens"), "translations.cy.questions.listens"),
        (
            lambda q: q["listens"]["options"].pop("no"),
            "translations.cy.questions.listens.options.no",
        ),
        (lambda q: q["feel_safe"].pop("faces"), "translations.cy.questions.feel_safe.faces"),
        (lambda q: q["difference"].pop("high"), "translations.cy.questions.difference.high"),
    ],
)
def test_an_incomplete_translation_is_refused_naming_the_missing_key(
    remove: Any, field: str
) -> None:
    d = sample()
    remove(d["translations"]["cy"]["questions"])
    with pytest.raises(DefinitionInvalid) as caught:
        parse(d)
    (problem,) = caught.value.problems
    assert (problem.field, problem.kind) == (field, DefinitionProblem.MISSING_TRANSLATION)
    assert "cy" in problem.message and field.split(".")[3] in problem.message


def test_an_introduction_in_one_language_is_needed_in_all() -> None:
    d = sample()
    d["translations"]["en"]["intro"] = "There are no wrong answers."
    assert problems(d) == {"translations.cy.intro": "MISSING_TRANSLATION"}


def test_wording_for_what_is_not_there_is_refused() -> None:
    d = sample()
    q = d["translations"]["en"]["questions"]
    q["ghost"] = {"text": "Boo?"}
    q["listens"]["options"]["maybe"] = "Maybe"
    q["better"]["faces"] = FACE_LABELS
    q["feel_safe"]["low"] = "0"
    found = problems(d)
    assert found == {
        "translations.en.questions.ghost": "UNKNOWN_KEY",
        "translations.en.questions.listens.options.maybe": "UNKNOWN_KEY",
        "translations.en.questions.better.faces": "UNKNOWN_KEY",
        "translations.en.questions.feel_safe.low": "UNKNOWN_KEY",
    }


def test_an_emoji_scale_has_five_labelled_faces() -> None:
    assert len(FACES) == 5
    d = sample()
    d["translations"]["en"]["questions"]["feel_safe"]["faces"] = FACE_LABELS[:4]
    assert problems(d) == {"translations.en.questions.feel_safe.faces": "MALFORMED"}


# --- answers -----------------------------------------------------------------------------------

DEFINITION = parse(sample())
GOOD = {"feel_safe": 4, "difference": 7, "listens": "yes", "who_helps": ["school", "worker"]}


def kinds_of(answers: Any) -> dict[str | None, str]:
    return {p.question_key: p.kind.value for p in check_answers(DEFINITION, answers).problems}


def test_good_answers_are_accepted_and_cleaned() -> None:
    check = check_answers(DEFINITION, GOOD | {"better": "  More time  ", "listens": "yes"})
    assert check.ok
    assert check.answers == {
        "feel_safe": 4,
        "difference": 7,
        "listens": "yes",
        "who_helps": ["worker", "school"],  # in the question's order
        "better": "More time",
    }


def test_only_required_questions_must_be_answered() -> None:
    check = check_answers(DEFINITION, {"feel_safe": 1, "difference": 0})
    assert check.ok and check.answers == {"feel_safe": 1, "difference": 0}


@pytest.mark.parametrize("empty", [None, "", "   ", []])
def test_a_required_question_left_empty_is_refused(empty: Any) -> None:
    assert kinds_of(GOOD | {"feel_safe": empty}) == {"feel_safe": "REQUIRED"}


def test_missing_required_questions_are_each_named() -> None:
    assert kinds_of({}) == {"feel_safe": "REQUIRED", "difference": "REQUIRED"}


@pytest.mark.parametrize("answers", [None, [], "4", 4, [["feel_safe", 4]]])
def test_answers_that_are_not_an_object_are_refused(answers: Any) -> None:
    assert kinds_of(answers) == {None: "NOT_AN_OBJECT"}


def test_an_unknown_question_is_refused() -> None:
    assert kinds_of(GOOD | {"shoe_size": 4}) == {"shoe_size": "UNKNOWN_QUESTION"}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (0, "OUT_OF_RANGE"),
        (6, "OUT_OF_RANGE"),
        (-1, "OUT_OF_RANGE"),
        (3.5, "WRONG_TYPE"),
        (4.0, "WRONG_TYPE"),
        ("4", "WRONG_TYPE"),
        (True, "WRONG_TYPE"),
        ({"face": 4}, "WRONG_TYPE"),
    ],
)
def test_an_emoji_scale_answer_is_a_face_from_1_to_5(value: Any, kind: str) -> None:
    assert kinds_of(GOOD | {"feel_safe": value}) == {"feel_safe": kind}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (11, "OUT_OF_RANGE"),
        (-1, "OUT_OF_RANGE"),
        (10**20, "OUT_OF_RANGE"),
        (7.5, "WRONG_TYPE"),
        ("7", "WRONG_TYPE"),
        (False, "WRONG_TYPE"),
        ([7], "WRONG_TYPE"),
    ],
)
def test_a_0_to_10_answer_is_a_whole_number_in_range(value: Any, kind: str) -> None:
    assert kinds_of(GOOD | {"difference": value}) == {"difference": kind}


def test_both_ends_of_each_scale_are_accepted() -> None:
    for face, score in ((1, 0), (5, 10)):
        assert check_answers(DEFINITION, GOOD | {"feel_safe": face, "difference": score}).ok


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("maybe", "UNKNOWN_OPTION"),
        ("YES", "UNKNOWN_OPTION"),
        (["yes"], "WRONG_TYPE"),
        (1, "WRONG_TYPE"),
    ],
)
def test_a_single_choice_is_one_known_option_key(value: Any, kind: str) -> None:
    assert kinds_of(GOOD | {"listens": value}) == {"listens": kind}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("worker", "WRONG_TYPE"),
        ([1, 2], "WRONG_TYPE"),
        (["worker", None], "WRONG_TYPE"),
        (["worker", "police"], "UNKNOWN_OPTION"),
        (["worker", "worker"], "DUPLICATE_OPTION"),
        ({"worker": True}, "WRONG_TYPE"),
    ],
)
def test_a_multiple_choice_is_a_list_of_distinct_known_option_keys(value: Any, kind: str) -> None:
    assert kinds_of(GOOD | {"who_helps": value}) == {"who_helps": kind}


def test_free_text_is_text_within_its_length() -> None:
    assert kinds_of(GOOD | {"better": "x" * 21}) == {"better": "TOO_LONG"}
    assert kinds_of(GOOD | {"better": 42}) == {"better": "WRONG_TYPE"}
    assert kinds_of(GOOD | {"better": ["a"]}) == {"better": "WRONG_TYPE"}
    # Surrounding spaces do not count against the length.
    assert check_answers(DEFINITION, GOOD | {"better": "  " + "x" * 20 + "  "}).ok


def test_every_problem_is_reported_at_once_and_nothing_is_kept() -> None:
    check = check_answers(
        DEFINITION,
        {"feel_safe": 9, "listens": "maybe", "who_helps": "all", "better": 1, "extra": 1},
    )
    assert {p.question_key: p.kind for p in check.problems} == {
        "extra": AnswerProblemKind.UNKNOWN_QUESTION,
        "feel_safe": AnswerProblemKind.OUT_OF_RANGE,
        "difference": AnswerProblemKind.REQUIRED,
        "listens": AnswerProblemKind.UNKNOWN_OPTION,
        "who_helps": AnswerProblemKind.WRONG_TYPE,
        "better": AnswerProblemKind.WRONG_TYPE,
    }
    assert not check.ok and check.answers == {}


# --- versions, permissions and seeds (in PostgreSQL) ---------------------------------------------


async def publish(world: World, actor: Any, d: dict[str, Any], **kwargs: Any) -> SurveyVersion:
    fields: dict[str, Any] = {
        "survey_key": "annual_children_and_families",
        "audience": Audience.CHILD_8_TO_12,
        "name": "Annual survey",
        "purpose": "What difference has our help made?",
    } | kwargs
    return await act(
        world,
        surveys.publish_version,
        actor,
        questions=d["questions"],
        translations=d["translations"],
        **fields,
    )


async def test_publishing_again_adds_a_version_and_keeps_the_old_one(world: World) -> None:
    first = await publish(world, SYSTEM, sample())
    changed = sample()
    changed["translations"]["en"]["questions"]["listens"]["text"] = "Does your worker hear you?"
    second = await publish(world, SYSTEM, changed, name=None, purpose=None, change_note="Wording")
    under = await publish(world, SYSTEM, under_8(), audience=Audience.CHILD_UNDER_8)
    assert (first.version, second.version, under.version) == (1, 2, 1)
    async with world.session_factory() as s:
        kept = await s.get(SurveyVersion, first.id)
        assert kept is not None
        assert load_definition(kept.definition) == parse(sample())
        assert await s.scalar(select(Survey.name)) == "Annual survey"
        actions = set(await s.scalars(select(HistoryEntry.action)))
    assert actions == {"survey.created", "survey_version.published"}
    assert second.change_note == "Wording"


async def test_two_first_publications_of_a_new_survey_at_once_make_versions_1_and_2(
    world: World,
) -> None:
    first, second = await asyncio.gather(
        publish(world, SYSTEM, sample()), publish(world, SYSTEM, sample())
    )
    assert sorted([first.version, second.version]) == [1, 2]
    async with world.session_factory() as s:
        assert await s.scalar(select(func.count()).select_from(Survey)) == 1
        created = list(
            await s.scalars(
                select(HistoryEntry.action).where(HistoryEntry.action == "survey.created")
            )
        )
    assert created == ["survey.created"]


async def test_a_published_version_cannot_be_changed_even_in_sql(world: World) -> None:
    version = await publish(world, SYSTEM, sample())
    async with world.session_factory() as s:
        with pytest.raises(DBAPIError, match="immutable"):
            await s.execute(
                text("UPDATE survey_versions SET version = 9 WHERE id = :id"), {"id": version.id}
            )


async def test_a_new_survey_needs_a_name_and_purpose_and_a_sane_key(world: World) -> None:
    for kwargs, field in (
        ({"survey_key": "new_one", "name": None}, "name"),
        ({"survey_key": "new_one", "purpose": " "}, "purpose"),
        ({"survey_key": "New One"}, "surveyKey"),
    ):
        with pytest.raises(InvalidInput) as caught:
            await publish(world, SYSTEM, sample(), **kwargs)
        assert caught.value.field == field
    assert await count_rows(world, Survey) == 0


@pytest.mark.parametrize(
    ("role", "scope", "allowed"),
    [
        (Role.QA_LEAD, ScopeType.AUTHORITY, True),
        (Role.PRINCIPAL_SOCIAL_WORKER, ScopeType.AUTHORITY, True),
        (Role.ADMINISTRATOR, ScopeType.AUTHORITY, False),
        (Role.DIRECTOR_OF_CHILDRENS_SERVICES, ScopeType.AUTHORITY, False),
        (Role.PARTNER_AGENCY_MEMBER, ScopeType.AUTHORITY, False),
    ],
)
async def test_the_qa_lead_and_the_psw_publish_survey_versions(
    world: World, role: Role, scope: ScopeType, allowed: bool
) -> None:
    person = await world.person("Someone", (role, scope, None))
    actor = await actor_of(world, person)
    if allowed:
        version = await publish(world, actor, sample())
        assert version.published_by_id == person.id
    else:
        with pytest.raises(NotAllowed):
            await publish(world, actor, sample())
        assert await count_rows(world, SurveyVersion) == 0


async def test_seeding_the_defaults_twice_creates_nothing_new(world: World) -> None:
    added = await uow(world, reference.ensure_defaults, clock=world.clock)
    assert added == sum(len(v) for _, _, v in reference.DEFAULT_SURVEYS.values()) == 10
    counts = (
        await count_rows(world, Survey),
        await count_rows(world, SurveyVersion),
        await count_rows(world, HistoryEntry),
    )
    assert await uow(world, reference.ensure_defaults, clock=world.clock) == 0
    assert (
        (
            await count_rows(world, Survey),
            await count_rows(world, SurveyVersion),
            await count_rows(world, HistoryEntry),
        )
        == counts
        == (3, 10, 13)
    )


async def test_a_default_that_gains_an_audience_later_is_added_alone(world: World) -> None:
    await publish(
        world,
        SYSTEM,
        copy.deepcopy(reference.STAFF_HEALTH_CHECK),
        survey_key="staff_annual_health_check",
        audience=Audience.STAFF,
    )
    assert await uow(world, reference.ensure_defaults, clock=world.clock) == 9


def test_the_defaults_are_valid_and_the_youngest_childrens_survey_is_in_welsh() -> None:
    for _, _, versions in reference.DEFAULT_SURVEYS.values():
        for audience, d in versions.items():
            parse(d, audience)
    _, _, annual = reference.DEFAULT_SURVEYS["annual_children_and_families"]
    assert set(annual) == {
        Audience.CHILD_UNDER_8,
        Audience.CHILD_8_TO_12,
        Audience.CHILD_13_AND_OVER,
        Audience.PARENT_CARER,
        Audience.CARE_LEAVER,
    }
    assert parse(annual[Audience.CHILD_UNDER_8], Audience.CHILD_UNDER_8).languages == ["en", "cy"]
    # What is working well, what worries you, what would make things better.
    for audience, d in annual.items():
        keys = {q["key"] for q in d["questions"]}
        assert {"working_well", "worries", "make_better"} <= keys, audience
    _, _, staff = reference.DEFAULT_SURVEYS["staff_annual_health_check"]
    keys = {q["key"] for q in staff[Audience.STAFF]["questions"]}
    assert {
        "workload",
        "supervision_quality",
        "management_support",
        "learning_development",
        "wellbeing",
        "recommend",
    } <= keys
