"""Configuration from the environment (and an optional .env file), with pydantic-settings."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.core.clock import DailyWindow

DEVELOPMENT_SIGNING_KEY = "development-only-signing-key-never-use-in-production-0123456789"
DEVELOPMENT_SURVEY_TOKEN_KEY = "development-only-survey-token-key-never-use-in-production-01234"  # noqa: S105


# Intervals a cron schedule repeats evenly: divisors of a minute, in seconds, and whole minutes
# dividing an hour.
CRON_INTERVALS = frozenset(
    [d for d in range(1, 61) if 60 % d == 0] + [60 * d for d in range(1, 61) if 60 % d == 0]
)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class GraphiQLAccess(StrEnum):
    OFF = "off"
    ADMINS = "admins"
    EVERYONE = "everyone"


class PolicySettings(BaseModel):
    """Numbers the framework leaves to local policy (DOMAIN.md, "policy setting").

    The framework's own numbers (3 working days to moderate, 10 to review other cases,
    three monthly supervision reviews) are not settings: they live in the domain code.
    """

    hos_assurance_working_days: int = Field(1, ge=0, le=30)
    exception_report_working_days: int = Field(10, ge=1, le=60)
    desktop_audit_working_days: int = Field(10, ge=1, le=60)
    asye_observations_per_year: int = Field(3, ge=1, le=12)
    support_observation_interval_months: int = Field(3, ge=1, le=12)
    complaint_stage1_working_days: int = Field(10, ge=1)
    complaint_stage1_extended_working_days: int = Field(20, ge=1)
    complaint_stage2_working_days: int = Field(25, ge=1)
    complaint_stage2_extended_working_days: int = Field(65, ge=1)
    complaint_stage3_panel_working_days: int = Field(30, ge=1)
    audit_exclusion_months: int = Field(12, ge=0, le=60)
    minimum_group_size: int = Field(5, ge=1)
    # Weighted kappa against a benchmarking round's agreed grades below which an auditor's
    # (or a section's) agreement is flagged for the QA Lead's attention.
    benchmark_agreement_threshold: float = Field(0.6, ge=0, le=1)
    # Reminders: the first this many working days before a due date; once overdue, the
    # escalation climbs one level of line management every this many working days.
    reminder_working_days_before: int = Field(2, ge=0, le=20)
    escalation_interval_working_days: int = Field(2, ge=1, le=20)
    # Survey answers a mobile client completed offline before its campaign closed are still
    # taken this many days after the close (0: none after the close).
    survey_offline_grace_days: int = Field(7, ge=0, le=60)


def checked_base_url(value: str) -> str:
    """FRONTEND_BASE_URL as links are built from it (no trailing slash), or ValueError."""
    cleaned = value.strip()
    if any(c.isspace() or not c.isprintable() for c in cleaned):
        raise ValueError("must not contain spaces or control characters")
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "must be an absolute http:// or https:// address, e.g. https://qa.example.org"
        )
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry a user name or password")
    if parts.query or parts.fragment or "?" in cleaned or "#" in cleaned:
        raise ValueError("must not have a query (?…) or a fragment (#…)")
    try:
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError as bad:
        raise ValueError("has a port that is not a number") from bad
    return cleaned.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="__",
        extra="ignore",
    )

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/qaf"
    redis_url: str = "redis://127.0.0.1:6379/0"
    database_pool_size: int = Field(10, ge=1, le=200)
    time_zone: str = "Europe/London"

    # Bearer tokens: an OIDC provider's JWKS in production, a local key in development.
    auth_issuer: str = "qaf-development"
    auth_audience: str = "qaf-api"
    auth_jwks_url: str | None = None
    auth_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "PS256", "ES256"])
    dev_signing_key: SecretStr | None = SecretStr(DEVELOPMENT_SIGNING_KEY)
    dev_token_hours: int = Field(12, ge=1, le=24 * 7)

    # The boundary of /graphql (docs/api-boundary.md): the largest body read, the deepest JSON
    # nesting parsed, and the longest String or ID value (literal or variable) accepted.
    max_request_body_bytes: int = Field(1024 * 1024, ge=1024)
    max_json_depth: int = Field(32, ge=4, le=256)
    max_string_length: int = Field(10_000, ge=100)

    graphiql: GraphiQLAccess = GraphiQLAccess.ADMINS
    max_query_depth: int = Field(10, ge=2, le=50)
    max_query_tokens: int = Field(2000, ge=50)
    max_query_aliases: int = Field(20, ge=1)
    # Limits every request meets before it runs (docs/limits.md): fields with every fragment
    # spread expanded, how often one field may be asked for at one place of the response, the
    # computed cost (a connection counts `first` times what it holds), and the time it may take.
    max_query_fields: int = Field(1000, ge=10)
    max_field_repeats: int = Field(10, ge=1)
    max_query_cost: int = Field(5_000, ge=1)
    request_time_limit_seconds: float = Field(10, gt=0, le=300)

    policy: PolicySettings = Field(default_factory=PolicySettings)

    # Email through SMTP. Without SMTP_HOST no email is sent: messages wait in the outbox.
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_from: str = "qaf@localhost"
    smtp_timeout_seconds: float = Field(10, gt=0, le=120)

    # Email through GOV.UK Notify, preferred to SMTP when both its API key and the id of an
    # email template with ((subject)) and ((body)) personalisation are set.
    notify_api_key: SecretStr | None = None
    notify_email_template_id: str | None = None
    # Text messages (survey invitations by SMS) through Notify: the id of an SMS template with
    # ((body)) personalisation. Without it (or the API key) text invitations wait, unsent.
    notify_sms_template_id: str | None = None
    notify_base_url: str = "https://api.notifications.service.gov.uk"
    notify_timeout_seconds: float = Field(10, gt=0, le=120)
    # The worker's cadence: how often it sweeps deadlines and sends the outbox (a divisor of
    # 60 seconds, or a whole number of minutes dividing an hour), and after how long a
    # sender's claim on an outbox message may be taken over by another (its sender died).
    # The claim timeout must be longer than sending a batch takes, or a live sender's
    # messages could be sent twice.
    sweep_every_seconds: int = 300
    send_every_seconds: int = 60
    outbox_claim_timeout_seconds: int = Field(300, ge=1, le=24 * 3600)
    # Sending (docs/concepts/notifications.md, "Sending: the promise"): a send job (`send_outbox`,
    # `send_invitations`) is cancelled after SEND_JOB_TIMEOUT_SECONDS; it claims no new message once
    # half of the shorter of that and the claim timeout has passed (`send_budget_seconds`), so that
    # a batch always ends well inside both. OUTBOX_BATCH messages are claimed at a time. The claim
    # timeout may not be shorter than the job timeout (checked at start).
    send_job_timeout_seconds: int = Field(50, ge=5, le=3600)
    outbox_batch: int = Field(100, ge=1, le=10_000)

    # Survey links: the public address respondents open (the phone page is at /s/<token>), and
    # the key from which each invitation's token is derived (HMAC of a per-invitation salt),
    # so that the database alone holds no usable token. At least 32 characters.
    public_base_url: str = "http://127.0.0.1:8000"
    survey_token_key: SecretStr = Field(SecretStr(DEVELOPMENT_SURVEY_TOKEN_KEY), min_length=32)
    # Respondents' requests allowed in a window of `respondent_rate_window_seconds`: per link,
    # and per client address (which also limits guessing links).
    respondent_rate_window_seconds: int = Field(600, ge=1)
    respondent_requests_per_token: int = Field(30, ge=1)
    respondent_requests_per_address: int = Field(300, ge=1)
    # Invitations sent per second through each channel (GOV.UK Notify allows 3,000 messages a
    # minute per service; SMTP relays have their own limits), shared by every worker.
    survey_email_per_second: float = Field(40, gt=0)
    survey_sms_per_second: float = Field(40, gt=0)
    # The hours of the day, London time, when survey invitations and reminders are sent: no
    # child, parent or member of staff gets one at night. Outside them sends wait (due ones go
    # when the window opens). "00:00-24:00" sends at any hour.
    survey_sending_hours: str = "08:00-20:00"

    # The front-end staff use: every reminder, notice and digest line links to the object it
    # is about at `<FRONTEND_BASE_URL><path>` (the paths: domain/notifications/links.py,
    # docs/links.md). An absolute http(s) address, optionally with a path, without a query.
    frontend_base_url: str = "http://127.0.0.1:5173"

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("survey_sending_hours")
    @classmethod
    def _a_daily_window(cls, value: str) -> str:
        return str(DailyWindow.parse(value))

    @field_validator("frontend_base_url")
    @classmethod
    def _an_absolute_address(cls, value: str) -> str:
        return checked_base_url(value)

    @property
    def survey_sending_window(self) -> DailyWindow:
        return DailyWindow.parse(self.survey_sending_hours)

    @field_validator("sweep_every_seconds", "send_every_seconds")
    @classmethod
    def _a_cron_interval(cls, value: int) -> int:
        if value in CRON_INTERVALS:
            return value
        raise ValueError(f"must be one of {sorted(CRON_INTERVALS)} seconds")

    @property
    def is_production(self) -> bool:
        return self.environment is Environment.PRODUCTION

    @property
    def hide_suggestions(self) -> bool:
        """No "Did you mean …?" outside development: it would list the schema's names."""
        return self.environment is not Environment.DEVELOPMENT

    @property
    def introspection_for_everyone(self) -> bool:
        return self.environment is not Environment.PRODUCTION

    def production_problems(self) -> list[str]:
        """What stops this configuration from running in production, one sentence each."""
        if not self.is_production:
            return []
        problems = []
        for name in ("database_url", "redis_url", "auth_issuer", "auth_audience", "auth_jwks_url"):
            if name not in self.model_fields_set or not getattr(self, name):
                problems.append(f"{name.upper()} must be set in production.")
        if self.dev_signing_key is not None:
            problems.append(
                "DEV_SIGNING_KEY is set: a development signing key is refused in production "
                "(set DEV_SIGNING_KEY to an empty value and use AUTH_JWKS_URL)."
            )
        if self.survey_token_key.get_secret_value() == DEVELOPMENT_SURVEY_TOKEN_KEY:
            problems.append("SURVEY_TOKEN_KEY must be set to a secret of its own in production.")
        if "public_base_url" not in self.model_fields_set:
            problems.append("PUBLIC_BASE_URL must be set in production (survey links use it).")
        if "frontend_base_url" not in self.model_fields_set:
            problems.append(
                "FRONTEND_BASE_URL must be set in production (links in messages use it)."
            )
        if self.graphiql is GraphiQLAccess.EVERYONE:
            problems.append(
                "GRAPHIQL=everyone opens GraphiQL to non-admins: use 'admins' or 'off'."
            )
        if any(
            alg.upper().startswith("HS") or alg.lower() == "none" for alg in self.auth_algorithms
        ):
            problems.append("AUTH_ALGORITHMS may only hold asymmetric algorithms in production.")
        return problems

    def email_problems(self) -> list[str]:
        """What makes the email configuration unusable, in any environment."""
        key = self.notify_api_key.get_secret_value() if self.notify_api_key else ""
        problems = []
        if key and not self.notify_email_template_id:
            problems.append(
                "NOTIFY_API_KEY is set without NOTIFY_EMAIL_TEMPLATE_ID (the id of a Notify "
                "email template with ((subject)) and ((body)) personalisation)."
            )
        if self.notify_email_template_id and not key:
            problems.append("NOTIFY_EMAIL_TEMPLATE_ID is set without NOTIFY_API_KEY.")
        if self.notify_sms_template_id and not key:
            problems.append("NOTIFY_SMS_TEMPLATE_ID is set without NOTIFY_API_KEY.")
        # A Notify key is "<name>-<service id>-<secret>", the two ids 36 characters each.
        if key and len(key) < 74:
            problems.append("NOTIFY_API_KEY is not a GOV.UK Notify API key (it is too short).")
        return problems

    @property
    def send_timeout_seconds(self) -> float:
        """The longest one message may take to send (SMTP's or Notify's timeout)."""
        return max(self.smtp_timeout_seconds, self.notify_timeout_seconds)

    @property
    def send_budget_seconds(self) -> float:
        """How long a send job goes on claiming and starting messages: half of the shorter of
        its job timeout and the claim timeout, and less if need be so that the message in
        flight when it runs out (one send timeout more) is sent and marked, and the claims
        not tried let go, a second before either timeout."""
        window = min(self.send_job_timeout_seconds, self.outbox_claim_timeout_seconds)
        return min(window / 2, window - self.send_timeout_seconds - 1)

    def sending_problems(self) -> list[str]:
        """What makes the sending configuration unsafe: a batch could outlast its claim (a
        live sender's messages taken over and sent twice) or its job (cancelled mid-batch)."""
        problems = []
        if self.outbox_claim_timeout_seconds < self.send_job_timeout_seconds:
            problems.append(
                f"OUTBOX_CLAIM_TIMEOUT_SECONDS ({self.outbox_claim_timeout_seconds}) is shorter "
                f"than SEND_JOB_TIMEOUT_SECONDS ({self.send_job_timeout_seconds}): a claim could "
                "expire while its sender still runs, and its messages be sent twice. Make the "
                "claim timeout at least the job timeout."
            )
        if self.send_budget_seconds < 1:
            problems.append(
                f"SMTP_TIMEOUT_SECONDS / NOTIFY_TIMEOUT_SECONDS ({self.send_timeout_seconds:g}) "
                "leave a send job no time to send: each must be at least two seconds shorter "
                f"than SEND_JOB_TIMEOUT_SECONDS ({self.send_job_timeout_seconds}) and "
                f"OUTBOX_CLAIM_TIMEOUT_SECONDS ({self.outbox_claim_timeout_seconds})."
            )
        return problems

    def model_post_init(self, __context: object) -> None:
        # An empty DEV_SIGNING_KEY means "none", which is how production switches it off.
        if self.dev_signing_key is not None and not self.dev_signing_key.get_secret_value():
            object.__setattr__(self, "dev_signing_key", None)
        if self.notify_api_key is not None and not self.notify_api_key.get_secret_value():
            object.__setattr__(self, "notify_api_key", None)


class ConfigurationError(RuntimeError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("The service refuses to start:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = problems


def check_startable(settings: Settings) -> None:
    """Raise ConfigurationError naming every problem; called by the API and the worker at start."""
    problems = (
        settings.production_problems() + settings.email_problems() + settings.sending_problems()
    )
    if problems:
        raise ConfigurationError(problems)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
