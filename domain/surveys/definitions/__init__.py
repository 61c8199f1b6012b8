"""Survey definitions: what a version is (`form.py`), the rules it keeps (`rules.py`), checking
answers against it (`answers.py`), publishing and reading versions (`publishing.py`), and the
reference surveys every install starts with (`reference.py`). The names are re-exported here:
`from domain.surveys.definitions import Audience`."""

from domain.surveys.definitions.answers import (
    AnswerCheck,
    AnswerProblem,
    AnswerProblemKind,
    check_answers,
)
from domain.surveys.definitions.form import (
    CHOICE_TYPES,
    ENGLISH,
    FACES,
    KEY_PATTERN,
    Audience,
    Definition,
    DefinitionInvalid,
    DefinitionProblem,
    QuestionType,
    load_definition,
)
from domain.surveys.definitions.rules import (
    parse_definition,
)

__all__ = [
    "CHOICE_TYPES",
    "ENGLISH",
    "FACES",
    "KEY_PATTERN",
    "AnswerCheck",
    "AnswerProblem",
    "AnswerProblemKind",
    "Audience",
    "Definition",
    "DefinitionInvalid",
    "DefinitionProblem",
    "QuestionType",
    "check_answers",
    "load_definition",
    "parse_definition",
]
