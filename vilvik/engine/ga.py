"""Build and run a PyGAD GA from stored JSON parameters and code.

This module runs only inside the sandbox's child process: it executes user code. It imports
nothing from Flask, RQ or the database, and reports through the callables it is given.
"""

from __future__ import annotations

import builtins
import logging
import math
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy
import pygad

from .code import CODE_ROLES, entry_name
from .genes import parse_custom_gene_type

# What user code finds already imported: SDK pushes often rely on numpy being there.
PRELUDE = {"numpy": numpy, "np": numpy, "math": math}
NOT_RUN_ON_SERVER = ("parallel_processing",)
_TYPE_NAMES = {"int": int, "float": float, "object": object}


class UserCodeError(Exception):
    """User code failed; ``traceback`` holds only the user's own frames."""

    def __init__(self, message: str, user_traceback: str) -> None:
        super().__init__(message)
        self.user_traceback = user_traceback


def gene_type(name_or_spec: Any) -> Any:
    """A JSON gene type ("float", "numpy.int16", ["float", 3], a per-gene list) as PyGAD's."""
    if isinstance(name_or_spec, list):
        return [gene_type(item) if not isinstance(item, int) else item for item in name_or_spec]
    name = name_or_spec.replace("np.", "numpy.", 1) if name_or_spec.startswith("np.") else name_or_spec
    if name in _TYPE_NAMES:
        return _TYPE_NAMES[name]
    return getattr(numpy, name.split(".", 1)[1])


def parsed_gene_type(params: dict[str, Any]) -> Any:
    if params.get("gene_type") == "custom":
        return gene_type(parse_custom_gene_type(params["custom_gene_type"]))
    return gene_type(params.get("gene_type", "float"))


def user_traceback(error: BaseException) -> str:
    """The traceback of an exception, keeping only frames of user code (files named <role>)."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.startswith("<") and frame.filename.strip("<>") in CODE_ROLES]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines)


def describe_error(error: BaseException) -> str:
    """One line for the user: the exception, with what a bare MemoryError means here."""
    if isinstance(error, MemoryError):
        return "MemoryError: the run needed more memory than its limit allows"
    return f"{type(error).__name__}: {error}"


def load_user_code(code: dict[str, str]) -> dict[str, Any]:
    """Execute each role's source in a namespace of its own and return its entry point."""
    loaded = {}
    for role in CODE_ROLES:
        if role not in code:
            continue
        namespace = {"__name__": f"vilvik_user_{role}", "__builtins__": builtins, **PRELUDE}
        try:
            exec(compile(code[role], f"<{role}>", "exec"), namespace)
            loaded[role] = namespace[entry_name(code, role)]
        except Exception as error:
            raise UserCodeError(f"{role} failed while loading: {describe_error(error)}",
                                user_traceback(error)) from None
    return loaded


def ga_arguments(params: dict[str, Any], functions: dict[str, Any], *, num_generations: int,
                 initial_population: list[list[float]] | None) -> dict[str, Any]:
    """PyGAD constructor arguments for validated JSON parameters."""
    arguments = {key: value for key, value in params.items()
                 if key not in ("gene_type", "custom_gene_type") and key not in NOT_RUN_ON_SERVER}
    arguments["gene_type"] = parsed_gene_type(params)
    arguments["num_generations"] = num_generations
    if initial_population is not None:
        arguments["initial_population"] = initial_population
        arguments.pop("sol_per_pop", None)
        arguments.pop("num_genes", None)
    arguments["fitness_func"] = functions["fitness_func"]
    for role in CODE_ROLES:
        if role != "fitness_func" and role in functions:
            arguments[role] = functions[role]
    quiet = logging.getLogger("vilvik.sandbox.pygad")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    arguments["logger"] = quiet
    return arguments


def _plain(value: Any) -> Any:
    """numpy values as JSON-ready Python values."""
    if isinstance(value, numpy.ndarray):
        return value.tolist()
    if isinstance(value, numpy.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


class _Progress:
    """Reports the run's progress at most every ``interval`` seconds, and the last generation."""

    def __init__(self, report: Callable[[dict[str, Any]], None], total: int, interval: float) -> None:
        self.report, self.total, self.interval = report, total, interval
        self.last = 0.0

    def __call__(self, ga: pygad.GA, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        self.report({"generation": int(ga.generations_completed), "total": self.total,
                     "best_solutions_fitness": _plain(ga.best_solutions_fitness)})


def run_ga(job: dict[str, Any], report: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Run the job's GA to the end and return its result in the import's JSON shape."""
    functions = load_user_code(job["code"])
    total = job["num_generations"]
    progress = _Progress(report, total, job.get("progress_interval", 0.5))
    stop_reason = {"value": None}
    user_on_generation = functions.get("on_generation")

    def on_generation(ga: pygad.GA) -> Any:
        progress(ga)
        outcome = user_on_generation(ga) if user_on_generation else None
        if outcome == "stop":
            stop_reason["value"] = "on_generation returned 'stop'"
        return outcome

    functions = {**functions, "on_generation": on_generation}
    arguments = ga_arguments(job["ga_parameters"], functions, num_generations=total,
                             initial_population=job.get("initial_population"))
    try:
        ga = pygad.GA(**arguments)
        ga.run()
    except UserCodeError:
        raise
    except Exception as error:
        raise UserCodeError(describe_error(error), user_traceback(error)) from None
    progress(ga, force=True)
    solution, fitness, index = ga.best_solution(pop_fitness=ga.last_generation_fitness)
    completed = int(ga.generations_completed)
    if stop_reason["value"] is None:
        stop_reason["value"] = "completed" if completed >= total else "stop_criteria reached"
    return {
        "best_solution": _plain(solution),
        "best_solution_fitness": _plain(fitness),
        "best_solution_idx": int(index),
        "best_solutions_fitness": _plain(ga.best_solutions_fitness),
        "generations_completed": completed,
        "best_solution_generation": int(ga.best_solution_generation),
        "population": _plain(ga.population),
        "last_generation_fitness": _plain(ga.last_generation_fitness),
        "stopped_reason": stop_reason["value"],
    }
