"""Survey definitions: publishing versions, reading them, and checking answers against one."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.core.clock import Clock
from domain.core.errors import InvalidInput, NotFound
from domain.core.pagination import Page, count, paginate
from domain.core.roles import Actor
from domain.surveys import policy
from domain.surveys.changes import record
from domain.surveys.definitions import (
    KEY_PATTERN,
    AnswerCheck,
    Audience,
    check_answers,
    load_definition,
    parse_definition,
)
from domain.surveys.models import Survey, SurveyVersion

_KEY = re.compile(KEY_PATTERN)


async def publish_version(
    *,
    session: AsyncSession,
    actor: Actor,
    clock: Clock,
    survey_key: str,
    audience: Audience,
    questions: Any,
    translations: Any,
    name: str | None = None,
    purpose: str | None = None,
    change_note: str | None = None,
) -> SurveyVersion:
    """A new version of a survey for an audience (the survey too, the first time). Versions
    already published stay as they are. Raises DefinitionInvalid listing every problem."""
    policy.check_can_publish(actor)
    if not _KEY.match(survey_key or ""):
        raise InvalidInput("A survey's key is a lower_snake_case word.", field="surveyKey")
    definition = parse_definition(audience, questions, translations)
    now = clock.now()
    survey = await session.scalar(select(Survey).where(Survey.key == survey_key).with_for_update())
    clean_name, clean_purpose = clean_survey_fields(name, purpose, new=survey is None)
    created = False
    if survey is None:
        survey, created = await _create_survey(session, survey_key, clean_name, clean_purpose, now)
    if created:
        await record(
            session,
            actor,
            clock,
            "survey.created",
            survey,
            {"key": [None, survey_key], "name": [None, clean_name]},
        )
    else:
        changes = survey_changes(survey, clean_name, clean_purpose)
        if changes:
            survey.updated_at = now
            await record(session, actor, clock, "survey.updated", survey, changes)
    latest = await session.scalar(
        select(func.max(SurveyVersion.version)).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.audience == audience
        )
    )
    version = SurveyVersion(
        survey_id=survey.id,
        audience=audience,
        version=(latest or 0) + 1,
        definition=definition.dump(),
        published_at=now,
        published_by_id=actor.person_id,
        change_note=(change_note or "").strip() or None,
    )
    session.add(version)
    await session.flush()
    await record(
        session,
        actor,
        clock,
        "survey_version.published",
        version,
        {
            "survey": [None, survey_key],
            "audience": [None, audience.value],
            "version": [None, version.version],
        },
    )
    return version


def clean_survey_fields(
    name: str | None, purpose: str | None, *, new: bool
) -> tuple[str | None, str | None]:
    """A survey's name (spaces collapsed) and purpose, None where not given; a new survey
    needs both."""
    clean_name = " ".join((name or "").split()) or None
    clean_purpose = (purpose or "").strip() or None
    if clean_name is not None and len(clean_name) > 200:
        raise InvalidInput("A survey's name is at most 200 characters.", field="name")
    if new and clean_name is None:
        raise InvalidInput("A new survey needs a name.", field="name")
    if new and clean_purpose is None:
        raise InvalidInput("A new survey needs its purpose.", field="purpose")
    return clean_name, clean_purpose


def survey_changes(
    survey: Survey, clean_name: str | None, clean_purpose: str | None
) -> dict[str, Any]:
    """Give the survey the name and purpose given (those not None), and say what changed."""
    changes: dict[str, Any] = {}
    if clean_name is not None and clean_name != survey.name:
        changes["name"] = [survey.name, clean_name]
        survey.name = clean_name
    if clean_purpose is not None and clean_purpose != survey.purpose:
        changes["purpose"] = [survey.purpose, clean_purpose]
        survey.purpose = clean_purpose
    return changes


async def _create_survey(
    session: AsyncSession, key: str, name: str | None, purpose: str | None, now: datetime
) -> tuple[Survey, bool]:
    """The new survey, locked, and whether this call made it. Two first publications of one
    new survey at once: the second waits for the first and then publishes the next version
    of the survey the first created."""
    created_id = await session.scalar(
        pg_insert(Survey)
        .values(
            id=uuid.uuid4(), key=key, name=name, purpose=purpose, created_at=now, updated_at=now
        )
        .on_conflict_do_nothing(index_elements=[Survey.key])
        .returning(Survey.id)
    )
    survey = await session.scalar(select(Survey).where(Survey.key == key).with_for_update())
    assert survey is not None
    return survey, created_id is not None


def _surveys(actor: Actor) -> Any:
    return select(Survey).where(policy.visible_surveys(actor))


async def list_surveys(
    *, session: AsyncSession, actor: Actor, first: int | None, after: str | None
) -> Page[Survey]:
    """Surveys by key, each with all its versions (two statements for any page)."""
    return await paginate(
        session,
        _surveys(actor).options(selectinload(Survey.versions)),
        order_by=[Survey.key],
        first=first,
        after=after,
    )


async def count_surveys(*, session: AsyncSession, actor: Actor) -> int:
    return await count(session, _surveys(actor))


async def get_survey(*, session: AsyncSession, actor: Actor, key: str) -> Survey | None:
    found: Survey | None = await session.scalar(
        _surveys(actor).where(Survey.key == key).options(selectinload(Survey.versions))
    )
    return found


async def get_versions(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, SurveyVersion]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(SurveyVersion)
        .join(Survey)
        .where(SurveyVersion.id.in_(ids), policy.visible_surveys(actor))
        .options(selectinload(SurveyVersion.survey))
    )
    return {v.id: v for v in rows}


async def check_answers_to(
    *, session: AsyncSession, actor: Actor, version_id: uuid.UUID, answers: Any
) -> AnswerCheck:
    """A staff preview of the respondent's checks: what would be wrong with these answers."""
    version = (await get_versions(session=session, actor=actor, ids=[version_id])).get(version_id)
    if version is None:
        raise NotFound("survey version", field="versionId")
    return check_answers(load_definition(version.definition), answers)


async def get_surveys(
    *, session: AsyncSession, actor: Actor, ids: Sequence[uuid.UUID]
) -> list[Survey]:
    if not ids:
        return []
    return list(
        await session.scalars(
            _surveys(actor).where(Survey.id.in_(ids)).options(selectinload(Survey.versions))
        )
    )
