"""Downloads of a result: everything as JSON, the population and the history as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from .charts import generation_positions
from .models import Result
from .schemas.resources import ResultSchema, SubmissionSchema


def result_document(result: Result) -> dict[str, Any]:
    """The result with the code and parameters that produced it."""
    return {"result": ResultSchema().dump(result), "submission": SubmissionSchema().dump(result.submission)}


def _csv(header: Sequence[str], rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def population_csv(result: Result) -> str:
    """One row per individual: its genes and, when known, its fitness."""
    population = result.population or []
    fitness = result.last_generation_fitness or []
    width = len(population[0]) if population else len(result.best_solution)
    multi = bool(fitness) and isinstance(fitness[0], list)
    objectives = len(fitness[0]) if multi else 1
    header = ["individual", *(f"gene_{index}" for index in range(width))]
    if fitness:
        header += [f"fitness_{k}" for k in range(objectives)] if multi else ["fitness"]
    rows = []
    for index, genes in enumerate(population):
        row = [index, *genes]
        if fitness:
            row += fitness[index] if multi else [fitness[index]]
        rows.append(row)
    return _csv(header, rows)


def history_csv(result: Result) -> str:
    """The best fitness per generation; a sampled history gives its estimated generations."""
    history = result.best_solutions_fitness
    positions, sampled = generation_positions(len(history), result.generations_completed)
    if result.history_generations and len(result.history_generations) == len(history):
        positions, sampled = result.history_generations, True
    multi = bool(history) and isinstance(history[0], list)
    header = ["generation", *([f"best_fitness_{k}" for k in range(len(history[0]))] if multi else ["best_fitness"])]
    rows = []
    for position, value in zip(positions, history):
        generation = round(position, 2) if sampled else int(position)
        rows.append([generation, *(value if multi else [value])])
    return _csv(header, rows)
