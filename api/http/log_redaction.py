"""Survey link tokens never reach the logs. The phone page's address carries the token
(`/s/<token>`, as a link must); uvicorn's access log writes every request's path. This filter,
on uvicorn's access logger, replaces any token-shaped path segment after `/s/` with
`<token>` before the line is written."""

from __future__ import annotations

import logging
import re

TOKEN_IN_PATH = re.compile(r"(/s/)[^/?#\s]+")
ACCESS_LOGGER = "uvicorn.access"


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(r"\1<token>", text)


class RedactSurveyTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install() -> None:
    """Add the filter to uvicorn's access logger, once per process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactSurveyTokens) for f in logger.filters):
        logger.addFilter(RedactSurveyTokens())
