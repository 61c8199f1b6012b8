"""The demo year's pure decisions, without a database: the moderation of a completed audit,
what the moderator writes, and the timeline that replays the year in time order."""

from __future__ import annotations

import random
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta

from demo.audits.lives import decide_moderation, moderation_reason
from demo.audits.texts import MODERATION_REASONS
from demo.audits.timeline import Timeline
from domain.audits.kinds import Grade, ModerationOutcome
from domain.core.clock import SettableClock

START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_every_inadequate_is_moderated_confirmed_or_regraded_as_the_story_says() -> None:
    rng = random.Random(1)
    assert decide_moderation(rng, Grade.INADEQUATE, regrade_inadequate=False, moderate=0.0) == (
        ModerationOutcome.CONFIRMED,
        Grade.INADEQUATE,
    )
    assert decide_moderation(rng, Grade.INADEQUATE, regrade_inadequate=True, moderate=0.0) == (
        ModerationOutcome.REGRADED,
        Grade.REQUIRES_IMPROVEMENT,
    )


def test_other_grades_are_moderated_by_chance_and_a_regrade_changes_the_grade() -> None:
    for grade in (Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT):
        for seed in range(50):
            never = decide_moderation(
                random.Random(seed), grade, regrade_inadequate=False, moderate=0.0
            )
            assert never == (None, grade)
            outcome, new_grade = decide_moderation(
                random.Random(seed), grade, regrade_inadequate=False, moderate=1.0
            )
            assert outcome is not None
            if outcome is ModerationOutcome.REGRADED:
                assert new_grade is not grade
            else:
                assert new_grade is grade


def test_the_moderators_reason_names_the_grades_it_moves_between() -> None:
    rng = random.Random(2)
    confirmed = moderation_reason(
        rng, ModerationOutcome.CONFIRMED, Grade.INADEQUATE, Grade.INADEQUATE
    )
    assert confirmed in MODERATION_REASONS["confirm_inadequate"]
    down = moderation_reason(
        rng, ModerationOutcome.REGRADED, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT
    )
    assert "requires improvement" in down and "{" not in down
    up = moderation_reason(rng, ModerationOutcome.REGRADED, Grade.REQUIRES_IMPROVEMENT, Grade.GOOD)
    assert up.startswith("Regraded to good")


async def test_the_timeline_runs_lives_in_time_order_and_nothing_after_its_end() -> None:
    clock = SettableClock(START)
    until = START + timedelta(days=10)
    timeline = Timeline(clock, until)
    seen: list[tuple[str, datetime]] = []

    async def life(name: str, days: list[int]) -> AsyncGenerator[datetime, None]:
        for day in days:
            yield START + timedelta(days=day)
            seen.append((name, clock.now()))

    await timeline.spawn(life("a", [1, 4, 12]))
    await timeline.spawn(life("b", [2, 3, 10]))
    await timeline.run()

    assert [name for name, _ in seen] == ["a", "b", "b", "a", "b"]
    assert [at for _, at in seen] == sorted(at for _, at in seen)
    assert all(at <= until for _, at in seen)
    assert clock.now() == until, "the clock ends at the timeline's end"
