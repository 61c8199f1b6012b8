"""Weighted kappa by our own few lines (`domain.audits.statistics.weighted_kappa`), checked
without a database against examples worked by hand and a textbook identity. (The published
examples, Altman 1991 and the two-reader example, are in tests/domain/test_audit_statistics.py.)"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from domain.audits.statistics import weighted_kappa

# Altman (1991), table 14.2: two radiologists, four ordered grades.
RADIOLOGISTS = [[21, 12, 0, 0], [4, 17, 1, 0], [3, 9, 15, 2], [0, 0, 0, 1]]


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """No database here: these decisions are pure (this replaces the suite's own fixture)."""


def _pairs(table: list[list[int]]) -> tuple[list[int], list[int]]:
    pairs = [
        (i, j)
        for i, row in enumerate(table, start=1)
        for j, n in enumerate(row, start=1)
        for _ in range(n)
    ]
    return [a for a, _ in pairs], [b for _, b in pairs]


def test_a_small_example_worked_by_hand() -> None:
    """Six things, three grades. Disagreement weights |i - j|: observed 0+1+0+1+0+0 = 2;
    rows (2, 2, 2), columns (1, 2, 3), so expected = (1*2*2 + 2*2*3 + 1*2*1 + 1*2*3 + 2*2*1 +
    1*2*2) / 6 = 32/6; kappa = 1 - 2 / (32/6) = 0.625. Quadratic weights (i - j)^2: observed
    2, expected (4 + 24 + 2 + 6 + 8 + 4) / 6 = 8, kappa = 0.75."""
    a, b = [1, 1, 2, 2, 3, 3], [1, 2, 2, 3, 3, 3]
    assert weighted_kappa(a, b, categories=(1, 2, 3)) == pytest.approx(0.625)
    assert weighted_kappa(a, b, categories=(1, 2, 3), weights="quadratic") == pytest.approx(0.75)


def _fleiss_cohen(a: Sequence[int], b: Sequence[int]) -> float:
    """Fleiss & Cohen (1973): quadratic-weighted kappa equals
    2 cov(a, b) / (var(a) + var(b) + (mean(a) - mean(b))^2), population moments."""
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    cov = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True)) / n
    va = sum((x - ma) ** 2 for x in a) / n
    vb = sum((y - mb) ** 2 for y in b) / n
    return 2 * cov / (va + vb + (ma - mb) ** 2)


def test_quadratic_kappa_is_fleiss_and_cohens_intraclass_form() -> None:
    a, b = _pairs(RADIOLOGISTS)
    assert weighted_kappa(a, b, weights="quadratic") == pytest.approx(_fleiss_cohen(a, b))
    a, b = [1, 4, 2, 2, 3, 1, 4], [2, 4, 1, 2, 4, 1, 3]
    assert weighted_kappa(a, b, weights="quadratic") == pytest.approx(_fleiss_cohen(a, b))


def test_perfect_agreement_is_one_and_systematic_disagreement_is_negative() -> None:
    assert weighted_kappa([1, 2, 3, 4], [1, 2, 3, 4]) == pytest.approx(1.0)
    opposed = weighted_kappa([1, 4, 1, 4], [4, 1, 4, 1])
    assert opposed is not None and opposed < 0


def test_the_weight_is_the_distance_on_the_whole_scale() -> None:
    """With the whole scale given, Outstanding (1) against Requires improvement (3) is two
    steps apart even when nobody used Good (2)."""
    a, b = [1, 3, 1, 3], [1, 3, 3, 1]
    on_scale = weighted_kappa(a, b, categories=(1, 2, 3, 4))
    assert on_scale == weighted_kappa(a, b, categories=(1, 3))
    # The ends swapped, the middle agreed: observed 2 + 2 + 0 = 4, expected 8/3, so -0.5.
    assert weighted_kappa([1, 3, 2], [3, 1, 2], categories=(1, 2, 3)) == pytest.approx(-0.5)


def test_refuses_ratings_off_the_scale_or_unequal_lengths() -> None:
    with pytest.raises(ValueError):
        weighted_kappa([1, 5], [1, 2])
    with pytest.raises(ValueError):
        weighted_kappa([1, 2], [1])
