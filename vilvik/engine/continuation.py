"""Continuing a finished run: its population as the start, its history carried on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy

from .parameters import SHAPE_PARAMETERS


@dataclass(frozen=True)
class StartingPopulation:
    rows: list[list[float]]
    note: str  # what was done to the stored population, in the user's words


def starting_population(population: list[list[float]] | None, fitness: list[Any] | None,
                        params: dict[str, Any], genes: int, seed: int | None) -> StartingPopulation | None:
    """The population a continued run starts from, shaped to ``sol_per_pop``.

    PyGAD would silently let the population's shape override the parameters, so the decision is
    made here and said: missing rows are drawn uniformly within the initial range, extra rows go
    from the least fit up.
    """
    if not population:
        return None
    size = params.get("sol_per_pop", len(population))
    rows = [list(row) for row in population]
    if len(rows) > size:
        if fitness and not isinstance(fitness[0], list):
            order = numpy.argsort(numpy.asarray(fitness, dtype=float))[::-1][:size]
            rows = [rows[index] for index in sorted(order)]
            return StartingPopulation(rows, f"kept the {size} fittest of {len(population)} individuals")
        return StartingPopulation(rows[:size], f"kept the first {size} of {len(population)} individuals")
    if len(rows) < size:
        low = numpy.broadcast_to(numpy.asarray(params.get("init_range_low", -4), dtype=float), (genes,))
        high = numpy.broadcast_to(numpy.asarray(params.get("init_range_high", 4), dtype=float), (genes,))
        generator = numpy.random.default_rng(seed)
        extra = generator.uniform(low, high, size=(size - len(rows), genes))
        rows += extra.tolist()
        return StartingPopulation(rows, f"drew {size - len(population)} new individuals within the initial "
                                        f"range to fill the population of {size}")
    return StartingPopulation(rows, f"the {size} individuals of the final population")


def shape_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The parameters a continue may not change, that the edit changed."""
    defaults = {"gene_type": "float"}
    return [key for key in SHAPE_PARAMETERS
            if key in before or key in after
            if before.get(key, defaults.get(key)) != after.get(key, defaults.get(key))
            and not (key == "num_genes" and key not in after)]


def merge_history(previous: list[Any], new: list[Any]) -> list[Any]:
    """The parent's history then the new generations: the new entry 0 re-evaluates the parent's
    final population, so it is dropped."""
    return list(previous) + list(new[1:])
