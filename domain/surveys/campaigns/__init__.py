"""Survey campaigns: a campaign's life (`lifecycle.py`, its states in `../flows.py`), inviting
people (`invitations.py`), finding whom to invite (`recruiting.py`: a sample, teams, an
audit's family), opting out (`opting_out.py`), and reading campaigns (`reading.py`).

Sending invitations and reminders is `domain/surveys/dispatch/`; answering and the results are
`domain/surveys/responses/`. The names are re-exported here: `campaigns.create_campaign`."""

from domain.surveys.campaigns.invitations import (
    MAX_INVITEES_PER_CALL,
    Invited,
    Invitee,
    _clean_contact,
    add_invitations,
    audience_for_child,
    cohort_of,
    token_of,
)
from domain.surveys.campaigns.lifecycle import (
    MAX_CAMPAIGN_DAYS,
    MAX_REMINDER_DAY,
    MAX_REMINDERS,
    STILL_OUT,
    close_campaign,
    create_campaign,
    keep_time,
    launch_campaign,
)
from domain.surveys.campaigns.opting_out import (
    opt_out,
    record_opt_out,
)
from domain.surveys.campaigns.reading import (
    CampaignFilter,
    PrintedCard,
    Progress,
    count_campaigns,
    count_failures,
    failures_of,
    get_campaigns,
    get_failures,
    list_campaigns,
    printed_cards,
    progress_of,
)
from domain.surveys.campaigns.recruiting import (
    AUDIT_FEEDBACK_DAYS,
    AUDIT_FEEDBACK_REMINDERS,
    MAX_SAMPLE,
    SampleRequest,
    draw_sample,
    invite_teams,
    request_audit_feedback,
)

__all__ = [
    "AUDIT_FEEDBACK_DAYS",
    "AUDIT_FEEDBACK_REMINDERS",
    "MAX_CAMPAIGN_DAYS",
    "MAX_INVITEES_PER_CALL",
    "MAX_REMINDERS",
    "MAX_REMINDER_DAY",
    "MAX_SAMPLE",
    "STILL_OUT",
    "CampaignFilter",
    "Invited",
    "Invitee",
    "PrintedCard",
    "Progress",
    "SampleRequest",
    "_clean_contact",
    "add_invitations",
    "audience_for_child",
    "close_campaign",
    "cohort_of",
    "count_campaigns",
    "count_failures",
    "create_campaign",
    "draw_sample",
    "failures_of",
    "get_campaigns",
    "get_failures",
    "invite_teams",
    "keep_time",
    "launch_campaign",
    "list_campaigns",
    "opt_out",
    "printed_cards",
    "progress_of",
    "record_opt_out",
    "request_audit_feedback",
    "token_of",
]
