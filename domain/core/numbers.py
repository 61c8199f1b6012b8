"""Whole numbers written as text, read strictly.

Python's `str.isdigit()` is true for superscripts ("²") and circled digits ("①"), which
`int()` then refuses, and `int()` itself reads Arabic-Indic ("٣"), full-width and other
Unicode digits, signs, underscores ("1_0") and surrounding whitespace. Numbers that come from
outside (a form field, a header, a setting) are read here instead: ASCII digits 0-9 only,
nothing else, and a bounded length so a huge number is refused before it is converted.
"""

from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]+")


def is_ascii_digits(text: str | None) -> bool:
    """True for one or more ASCII digits 0-9 and nothing else."""
    return text is not None and _ASCII_DIGITS.fullmatch(text) is not None


def ascii_int(text: str | None, *, max_digits: int) -> int | None:
    """The whole number `text` spells in 1 to `max_digits` ASCII digits, or None."""
    if text is None or len(text) > max_digits or not is_ascii_digits(text):
        return None
    return int(text)
