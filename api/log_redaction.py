"""A shim: moved to api/http/ (issue 13); see SHIMS-http.md."""

from api.http.log_redaction import ACCESS_LOGGER as ACCESS_LOGGER
from api.http.log_redaction import redact as redact
