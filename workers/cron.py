"""When the worker's jobs run (arq cron), and how long each may take."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from arq import cron
from arq.cron import CronJob

from domain.core.settings import get_settings
from workers import jobs

HEARTBEAT_JOB_TIMEOUT = timedelta(seconds=20)
SWEEP_JOB_TIMEOUT = timedelta(seconds=60)
# Sending (docs/concepts/notifications.md, "Sending: the promise"). A send job (`send_outbox`,
# `send_invitations`) is cancelled after SEND_JOB_TIMEOUT_SECONDS; it claims and starts no new
# message once `settings.send_budget_seconds` (about half of the shorter of that and the claim
# timeout) have passed, so that it ends, and its claims are marked or let go, well inside both. At
# most one job of each sending kind runs on a worker at a time (a lock per kind in the worker's
# ctx): a job that finds its kind running returns at once, claiming nothing; across workers only the
# claims in PostgreSQL decide who sends what.
SEND_JOB_TIMEOUT = timedelta(seconds=get_settings().send_job_timeout_seconds)
INVITATIONS_JOB_TIMEOUT = SEND_JOB_TIMEOUT
DIGEST_JOB_TIMEOUT = timedelta(seconds=60)
TIMEKEEPING_JOB_TIMEOUT = timedelta(seconds=60)


def every(seconds: int, *, at_second: int = 0) -> dict[str, Any]:
    """arq cron arguments for a job run every `seconds` (one of settings.CRON_INTERVALS):
    `every(300)` is minutes 0, 5, … at second 0; `every(60, at_second=15)` second 15 of every
    minute; `every(10)` seconds 0, 10, … of every minute."""
    if seconds < 60:
        return {"second": set(range(at_second % seconds, 60, seconds))}
    return {"minute": set(range(0, 60, seconds // 60)), "second": {at_second}}


def _catching_up(job: Any, timeout: timedelta, **when: Any) -> CronJob:
    """A cron job run at `when`, and once at startup: every job catches up by itself."""
    return cron(job, **when, run_at_startup=True, timeout=timeout)


_settings = get_settings()

CRON_JOBS: list[CronJob] = [
    _catching_up(jobs.nine_month_dip_samples, timedelta(minutes=5), hour={6}, minute={15}),
    _catching_up(jobs.programme_timescales, SWEEP_JOB_TIMEOUT, minute={7}),
    _catching_up(jobs.start_inadequate_processes, SWEEP_JOB_TIMEOUT, minute=set(range(2, 60, 5))),
    _catching_up(jobs.sweep_deadlines, SWEEP_JOB_TIMEOUT, **every(_settings.sweep_every_seconds)),
    _catching_up(jobs.send_digests, DIGEST_JOB_TIMEOUT, minute=set(range(2, 60, 5))),
    _catching_up(
        jobs.send_outbox,
        SEND_JOB_TIMEOUT,
        **every(_settings.send_every_seconds, at_second=15),
    ),
    _catching_up(
        jobs.send_invitations,
        INVITATIONS_JOB_TIMEOUT,
        **every(_settings.send_every_seconds, at_second=40),
    ),
    _catching_up(jobs.survey_campaign_timekeeping, TIMEKEEPING_JOB_TIMEOUT, second={50}),
    _catching_up(jobs.heartbeat, HEARTBEAT_JOB_TIMEOUT, second={0, 30}),
]
