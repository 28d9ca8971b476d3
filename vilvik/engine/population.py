"""Summaries of a population (pure numpy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy


@dataclass(frozen=True)
class GeneSummary:
    gene: int
    minimum: float
    mean: float
    maximum: float


def gene_summaries(population: list[list[float]]) -> list[GeneSummary]:
    """Per-gene minimum, mean and maximum over the population's rows."""
    matrix = numpy.asarray(population, dtype=float)
    return [
        GeneSummary(gene, float(low), float(mean), float(high))
        for gene, (low, mean, high) in enumerate(zip(matrix.min(axis=0), matrix.mean(axis=0), matrix.max(axis=0)))
    ]
