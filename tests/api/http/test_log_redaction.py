"""Survey link tokens never reach the access log: the phone page's path carries the token,
and uvicorn's access logger writes paths."""

from __future__ import annotations

import logging

import pytest

from api.app import create_app
from api.http import log_redaction
from domain.core.settings import Settings


def test_a_token_in_an_access_log_line_is_replaced(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    create_app(settings)
    token = "zmvmc7vnocnmjai7azg3c2ivsu"
    access = logging.getLogger(log_redaction.ACCESS_LOGGER)
    with caplog.at_level(logging.INFO, logger=log_redaction.ACCESS_LOGGER):
        for path in (f"/s/{token}", f"/s/{token}/stop", f"/s/{token}?lang=cy"):
            access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3
    assert all(token not in line and "/s/<token>" in line for line in lines)
    assert lines[2].endswith('/s/<token>?lang=cy HTTP/1.1" 200')
    # Other paths are logged as they are.
    assert log_redaction.redact("/graphql?x=1") == "/graphql?x=1"
