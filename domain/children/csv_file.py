"""Reading the case management system's CSV export strictly, one line at a time.

A file the import cannot read for certain is refused as a whole with one line saying where and
why (`FileRefused`), before anything is written. No reason ever quotes a cell: a cell may be a
case reference, and a header row may be a child's row when the header is missing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from domain.core.errors import InvalidInput

REQUIRED_COLUMNS = ("case_reference", "team", "date_of_birth")
OPTIONAL_COLUMNS = (
    "allocated_practitioner_email",
    "child_in_need",
    "child_protection_plan_start",
    "looked_after",
    "care_leaver",
    "family_first",
)
# Far above any real value and far below what would cost memory: a longer cell is a wrong file.
MAX_LENGTH = {
    "case_reference": 64,
    "team": 120,
    "allocated_practitioner_email": 320,
    "date_of_birth": 10,
    "child_protection_plan_start": 10,
    "child_in_need": 5,
    "looked_after": 5,
    "care_leaver": 5,
    "family_first": 5,
}
# A physical line longer than this is not a row of this export (rows are under 1 KB).
MAX_LINE_BYTES = 64 * 1024
UNSAFE = re.compile("[\x00\ud800-\udfff]")
SAVE_AS = "save it as CSV UTF-8"


class FileRefused(InvalidInput):
    """The whole file is refused; `message` is one line naming the line (and column)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="csv")


class CsvRows(Iterator[dict[str, str]]):
    """Rows keyed by column name, read lazily; `line` is the current row's first line."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._physical = 0
        self._reader = csv.reader(self._count(lines), strict=True)
        self.line = 0
        self.rows = 0
        self.header = self._read_header()

    def _count(self, lines: Iterable[str]) -> Iterator[str]:
        for text in lines:
            self._physical += 1
            yield text

    def _next_record(self) -> list[str] | None:
        while True:
            try:
                record = next(self._reader)
            except StopIteration:
                return None
            except csv.Error as error:
                if "field larger than field limit" in str(error):
                    reason = "a cell is far too long"
                else:
                    reason = "is not valid CSV (check the quotes)"
                raise FileRefused(f"Line {self._physical}: {reason}.") from None
            if record:  # a blank line is skipped
                self.line = self._reader.line_num - _newlines(record)
                return record

    def _read_header(self) -> list[str]:
        record = self._next_record()
        if record is None:
            raise FileRefused("The file is empty: it needs a header row and at least one row.")
        header = [cell.strip().lower() for cell in record]
        known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
        for number, name in enumerate(header, start=1):
            if UNSAFE.search(name):
                raise FileRefused(
                    f"Line {self.line}, column {number}: the header has a NUL or invalid "
                    f"character (a UTF-16 file?): {SAVE_AS}."
                )
            if name not in known:
                raise FileRefused(
                    f"Line {self.line}, column {number}: not a column the import knows "
                    f"(the columns are {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)})."
                )
            if header.index(name) != number - 1:
                raise FileRefused(
                    f"Line {self.line}, column {number}: the column {name} appears twice."
                )
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise FileRefused(
                f"Line {self.line}: the required column(s) {', '.join(missing)} are missing."
            )
        return header

    def __iter__(self) -> CsvRows:
        return self

    def __next__(self) -> dict[str, str]:
        record = self._next_record()
        if record is None:
            if self.rows == 0:
                raise FileRefused("The file has a header but no rows.")
            raise StopIteration
        self.rows += 1
        if len(record) != len(self.header):
            raise FileRefused(
                f"Line {self.line}: {len(record)} cells where the header has {len(self.header)}."
            )
        row: dict[str, str] = {}
        for number, (name, cell) in enumerate(zip(self.header, record, strict=True), start=1):
            where = f"Line {self.line}, column {number} ({name})"
            if UNSAFE.search(cell):
                raise FileRefused(f"{where}: a NUL or invalid character; {SAVE_AS}.")
            value = cell.strip()
            if len(value) > MAX_LENGTH[name]:
                raise FileRefused(f"{where}: longer than {MAX_LENGTH[name]} characters.")
            row[name] = value
        return row


def _newlines(record: list[str]) -> int:
    return sum(cell.count("\n") for cell in record)


def decoded_lines(stream: BinaryIO) -> Iterator[str]:
    """UTF-8 lines (a BOM is allowed), each decoded strictly so a refusal names its line."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if number == 1 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise FileRefused(f"Line 1: the file is UTF-16 text; {SAVE_AS}.")
        if len(raw) > MAX_LINE_BYTES:
            raise FileRefused(f"Line {number}: longer than {MAX_LINE_BYTES:,} bytes.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise FileRefused(
                f"Line {number}: not UTF-8 text (a Latin-1 or Windows file?); {SAVE_AS}."
            ) from None
        if number == 1:
            text = text.removeprefix("\ufeff")
        yield text


def rows_from_file(stream: BinaryIO) -> CsvRows:
    """The rows of a CSV file opened in binary mode; raises FileRefused lazily."""
    return CsvRows(decoded_lines(stream))


def rows_from_text(content: str) -> CsvRows:
    """The rows of CSV text already decoded (the GraphQL mutation's input)."""
    return CsvRows(_text_lines(content))


def _text_lines(content: str) -> Iterator[str]:
    content = content.removeprefix("\ufeff")
    start = 0
    number = 0
    while start < len(content):
        end = content.find("\n", start)
        end = len(content) if end < 0 else end + 1
        number += 1
        if end - start > MAX_LINE_BYTES:
            raise FileRefused(f"Line {number}: longer than {MAX_LINE_BYTES:,} characters.")
        yield content[start:end]
        start = end
