"""A shim: moved to api/http/ (issue 13); see SHIMS-http.md."""

from api.http.respondents.contract import DOCUMENT_PATH as DOCUMENT_PATH
from api.http.respondents.contract import ERRORS as ERRORS
from api.http.respondents.contract import ErrorCode as ErrorCode
from api.http.respondents.contract import Survey as Survey
from api.http.respondents.contract import document_text as document_text
from api.http.respondents.contract import openapi_document as openapi_document
