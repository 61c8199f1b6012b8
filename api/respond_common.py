"""A shim: moved to api/http/ (issue 13); see SHIMS-http.md."""

from api.http.respondents.common import STATUS as STATUS
from api.http.respondents.survey_view import survey_view as survey_view
