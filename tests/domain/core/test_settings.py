"""In production the service refuses to start with a development key, GraphiQL open to
everyone, or missing settings, and says which."""

from __future__ import annotations

import pytest

from api.app import create_app
from domain.core.settings import ConfigurationError, Settings, check_startable

PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql+asyncpg://qaf@db:5432/qaf",
    "redis_url": "redis://redis:6379/0",
    "auth_issuer": "https://login.example.org/tenant/v2.0",
    "auth_audience": "api://qaf",
    "auth_jwks_url": "https://login.example.org/tenant/discovery/v2.0/keys",
    "dev_signing_key": "",
    "public_base_url": "https://voices.example.org",
    "frontend_base_url": "https://qa.example.org",
    "survey_token_key": "a-production-secret-of-at-least-32-characters",
}


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


def test_a_complete_production_configuration_starts() -> None:
    check_startable(_settings(**PRODUCTION))


def test_production_names_every_problem() -> None:
    settings = _settings(environment="production", graphiql="everyone")
    with pytest.raises(ConfigurationError) as refused:
        check_startable(settings)
    text = str(refused.value)
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "AUTH_JWKS_URL",
        "DEV_SIGNING_KEY",
        "GRAPHIQL",
        "SURVEY_TOKEN_KEY",
        "PUBLIC_BASE_URL",
        "FRONTEND_BASE_URL",
    ):
        assert name in text


def test_the_api_refuses_to_start_with_a_development_key_in_production() -> None:
    with pytest.raises(ConfigurationError, match="DEV_SIGNING_KEY"):
        create_app(_settings(**{**PRODUCTION, "dev_signing_key": "x" * 40}))


def test_symmetric_algorithms_are_refused_in_production() -> None:
    with pytest.raises(ConfigurationError, match="AUTH_ALGORITHMS"):
        check_startable(_settings(**PRODUCTION, auth_algorithms=["RS256", "HS256"]))


def test_policy_settings_have_the_framework_defaults_and_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _settings().policy.hos_assurance_working_days == 1
    assert _settings().policy.complaint_stage2_extended_working_days == 65
    monkeypatch.setenv("POLICY__DESKTOP_AUDIT_WORKING_DAYS", "15")
    assert _settings().policy.desktop_audit_working_days == 15


def test_survey_sending_hours_default_to_the_day_and_a_bad_window_stops_startup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert str(_settings().survey_sending_window) == "08:00-20:00"
    monkeypatch.setenv("SURVEY_SENDING_HOURS", "9:30-18:00")
    assert _settings().survey_sending_hours == "09:30-18:00"
    monkeypatch.setenv("SURVEY_SENDING_HOURS", "22:00-07:00")
    with pytest.raises(ValueError, match="cannot cross midnight"):
        _settings()
