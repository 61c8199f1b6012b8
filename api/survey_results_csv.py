"""A shim: moved to api/http/ (issue 13); see SHIMS-http.md."""

from api.http.survey_csv import neutralise as neutralise
