"""A shim: moved to api/http/ (issue 13); see SHIMS-http.md."""

from api.http.respondents.rate_limit import PREFIX as PREFIX
from api.http.respondents.rate_limit import RespondentRateLimiter as RespondentRateLimiter
