"""Answers to surveys: a respondent opening a link and answering (`respond.py`), a campaign's
results in aggregate (`results.py`) and its free-text comments (`comments.py`)."""
