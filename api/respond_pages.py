"""A shim: moved to api/http/ (issue 13); see SHIMS-http.md."""

from api.http.respondents.phone_page import TITLES as TITLES
