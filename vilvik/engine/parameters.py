"""The PyGAD parameters a run may carry as JSON, each with its type and range (pygad 3.9.2).

``check_ga_parameters`` returns messages keyed by parameter name, in the user's terms, before
PyGAD ever sees the values (PyGAD itself accepts floats for counts in some versions and
misbehaves)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .genes import (GENE_TYPE_NAMES, custom_gene_type_problem, gene_space_problem, is_finite_space,
                    is_per_gene_space, normalise_type_name, parse_custom_gene_type)
from .values import describe, is_int, is_number, quoted

__all__ = ["GENE_TYPE_NAMES", "PARAMETERS", "SHAPE_PARAMETERS", "check_ga_parameters", "custom_gene_type_problem",
           "parse_custom_gene_type"]

PARENT_SELECTION_TYPES = ("sss", "rws", "sus", "random", "tournament", "rank", "nsga2",
                          "tournament_nsga2", "nsga3", "tournament_nsga3")
CROSSOVER_TYPES = ("single_point", "two_points", "uniform", "scattered", "sbx")
MUTATION_TYPES = ("random", "swap", "inversion", "scramble", "adaptive", "polynomial")
STOP_WORDS = ("reach", "saturate", "time", "evaluations")

# PyGAD arguments that are code or objects, with where they belong instead.
NOT_PARAMETERS = {
    "fitness_func": "send it as code.fitness_func",
    "on_start": "send it as code.on_start",
    "on_fitness": "send it as code.on_fitness",
    "on_parents": "send it as code.on_parents",
    "on_crossover": "send it as code.on_crossover",
    "on_mutation": "send it as code.on_mutation",
    "on_generation": "send it as code.on_generation",
    "on_stop": "send it as code.on_stop",
    "gene_constraint": "send it as code.gene_constraint",
    "initial_population": "send it as result.population",
    "logger": "it is a Python object and cannot be sent",
}

Check = Callable[[Any], "str | None"]


# No count PyGAD can run comes near this; a larger one is a mistake, not a plan.
MAX_INTEGER = 2**31 - 1


def _integer(minimum: int | None = None, maximum: int | None = MAX_INTEGER, nullable: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if not is_int(value):
            return f"must be an integer, not {describe(value)}"
        if minimum is not None and value < minimum:
            return f"must be at least {minimum}"
        if maximum is not None and value > maximum:
            return f"must be at most {maximum}"
        return None

    return check


def _number(minimum: float | None = None, maximum: float | None = None, nullable: bool = False,
            positive: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if not is_number(value):
            return f"must be a finite number, not {describe(value)}"
        if positive and value <= 0:
            return "must be greater than 0"
        if minimum is not None and value < minimum:
            return f"must be at least {minimum}"
        if maximum is not None and value > maximum:
            return f"must be at most {maximum}"
        return None

    return check


def _number_or_per_gene(value: Any) -> str | None:
    """A number, or a list with one number per gene."""
    if isinstance(value, list):
        if value and all(is_number(item) for item in value):
            return None
        return "must be a finite number, or a non-empty list of numbers (one per gene)"
    return _number()(value)


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, not {describe(value)}"


def _choice(options: tuple[str, ...], nullable: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if value not in options or not isinstance(value, str):
            return f"must be one of {', '.join(options)}" + (" or null" if nullable else "")
        return None

    return check


def _scalar_or_pair(scalar: Check) -> Check:
    """Mutation controls take one value, or a pair (high, low) for adaptive mutation."""

    def check(value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, list):
            if len(value) != 2:
                return "must be one value, or a pair of two values for adaptive mutation"
            for item in value:
                problem = scalar(item)
                if problem:
                    return f"each value of the pair {problem}"
            return None
        return scalar(value)

    return check


def _mutation_percent_genes(value: Any) -> str | None:
    if value == "default":
        return None
    return _scalar_or_pair(_number(positive=True, maximum=100))(value)


def _gene_type(value: Any) -> str | None:
    if value == "custom" or value in GENE_TYPE_NAMES or normalise_type_name(value) in GENE_TYPE_NAMES:
        return None
    return f"must be one of {', '.join(GENE_TYPE_NAMES)}, or 'custom' with custom_gene_type"


_STOP_CRITERION = re.compile(r"^(reach|saturate|time|evaluations)((?:_[^_]+)+)$")


def _stop_criterion_problem(text: Any) -> str | None:
    if not isinstance(text, str):
        return f"each criterion must be a string such as 'reach_0.01' or 'saturate_7', not {describe(text)}"
    shown = quoted(text)
    match = _STOP_CRITERION.match(text)
    if not match:
        return f"{shown} is not one of reach_<number>, saturate_<count>, time_<seconds>, evaluations_<count>"
    word, numbers = match.group(1), match.group(2).split("_")[1:]
    if word != "reach" and len(numbers) != 1:
        return f"{shown}: only reach takes several thresholds"
    for number in numbers:
        try:
            value = float(number)
        except ValueError:
            return f"{shown}: {quoted(number)} is not a number"
        if not is_number(value):
            return f"{shown}: the threshold must be finite"
        if word in ("saturate", "evaluations") and (value <= 0 or value != int(value)):
            return f"{shown}: {word} takes a positive whole count"
        if word == "time" and value < 0:
            return f"{shown}: time takes a non-negative number of seconds"
    return None


def _stop_criteria(value: Any) -> str | None:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    for item in items:
        problem = _stop_criterion_problem(item)
        if problem:
            return problem
    return None


def _parallel_processing(value: Any) -> str | None:
    if value is None or (is_int(value) and value >= 0):
        return None
    if (isinstance(value, list) and len(value) == 2 and value[0] in ("thread", "process")
            and (value[1] is None or (is_int(value[1]) and value[1] >= 0))):
        return None
    return "must be null, a worker count, or ['thread' | 'process', count]"


def _random_seed(value: Any) -> str | None:
    return _integer(0, 2**32 - 1, nullable=True)(value)


def _gene_categorical(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, list) and all(isinstance(item, bool) for item in value):
        return None
    return "must be null, true/false, or a list with one true/false per gene"


PARAMETERS: dict[str, Check] = {
    "num_generations": _integer(0),
    "num_parents_mating": _integer(1),
    "fitness_batch_size": _integer(1, nullable=True),
    "sol_per_pop": _integer(1),
    "num_genes": _integer(1),
    "init_range_low": _number_or_per_gene,
    "init_range_high": _number_or_per_gene,
    "gene_type": _gene_type,
    "custom_gene_type": lambda value: None,  # checked with num_genes below
    "parent_selection_type": _choice(PARENT_SELECTION_TYPES),
    "keep_parents": _integer(-1, nullable=True),
    "keep_elitism": _integer(0),
    "K_tournament": _integer(0),
    "nsga3_num_divisions": _integer(1, nullable=True),
    "crossover_type": _choice(CROSSOVER_TYPES, nullable=True),
    "crossover_probability": _number(0, 1, nullable=True),
    "sbx_crossover_eta": _number(positive=True),
    "mutation_type": _choice(MUTATION_TYPES, nullable=True),
    "mutation_probability": _scalar_or_pair(_number(0, 1)),
    "polynomial_mutation_eta": _number(positive=True),
    "mutation_by_replacement": _boolean,
    "mutation_percent_genes": _mutation_percent_genes,
    "mutation_num_genes": _scalar_or_pair(_integer(1)),
    "random_mutation_min_val": _number_or_per_gene,
    "random_mutation_max_val": _number_or_per_gene,
    "gene_space": lambda value: None,  # checked with num_genes below
    "gene_categorical": _gene_categorical,
    "sample_size": _integer(1),
    "allow_duplicate_genes": _boolean,
    "save_best_solutions": _boolean,
    "save_solutions": _boolean,
    "suppress_warnings": _boolean,
    "stop_criteria": _stop_criteria,
    "parallel_processing": _parallel_processing,
    "random_seed": _random_seed,
}

def _check_mutation_controls(params: dict[str, Any], num_genes: int | None,
                             add: Callable[[str, str], None]) -> None:
    """PyGAD uses the first control set of probability, gene count, percentage; adaptive
    mutation needs that control as a (high, low) pair."""
    mutation = params.get("mutation_type", "random")
    controls = ("mutation_probability", "mutation_num_genes", "mutation_percent_genes")
    for key in controls:
        value = params.get(key)
        if isinstance(value, list) and mutation != "adaptive":
            add(key, "takes a pair only with mutation_type 'adaptive'")
    if mutation == "adaptive":
        active = next((key for key in controls if params.get(key) not in (None, "default")), None)
        if active is None:
            add("mutation_type", "'adaptive' needs mutation_probability, mutation_num_genes or "
                                 "mutation_percent_genes as a pair")
        elif not isinstance(params[active], list):
            add(active, "must be a pair (for good and for bad solutions) with mutation_type 'adaptive'")
    counts = params.get("mutation_num_genes")
    for count in counts if isinstance(counts, list) else [counts]:
        if is_int(count) and num_genes is not None and count > num_genes:
            add("mutation_num_genes", f"must not exceed num_genes ({num_genes})")
            break


def _check_categorical(params: dict[str, Any], add: Callable[[str, str], None]) -> None:
    """A categorical gene must draw from a finite gene space."""
    categorical = params.get("gene_categorical")
    flags = categorical if isinstance(categorical, list) else None
    if not categorical or (flags is not None and not any(flags)):
        return
    space = params.get("gene_space")
    if is_per_gene_space(space):
        genes = range(len(space)) if flags is None else [i for i, flag in enumerate(flags) if flag]
        for gene in genes:
            if gene < len(space) and not is_finite_space(space[gene]):
                add("gene_categorical", f"gene {gene} is categorical but its gene_space is not a finite set")
                return
    elif not is_finite_space(space):
        add("gene_categorical", "categorical genes need a finite gene_space (listed values, or a range with a step)")


# Parameters that fix the shape or type of a population: a continued run cannot change them.
SHAPE_PARAMETERS = ("num_genes", "gene_type", "custom_gene_type")


def _unknown_key_message(key: str) -> str:
    if key in NOT_PARAMETERS:
        return f"is not a parameter here: {NOT_PARAMETERS[key]}"
    return "is not a PyGAD parameter"


def check_ga_parameters(params: dict[str, Any], *, population_rows: int | None = None) -> dict[str, list[str]]:
    """Every problem with a ``ga_parameters`` object, keyed by parameter name."""
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if "num_generations" not in params:
        add("num_generations", "is required")
    for key, value in params.items():
        check = PARAMETERS.get(key)
        if check is None:
            add(key, _unknown_key_message(key))
            continue
        problem = check(value)
        if problem:
            add(key, problem)
    if errors:
        return errors

    num_genes = params.get("num_genes")
    _check_relations(params, num_genes, population_rows, add)
    return errors


def _check_relations(params: dict[str, Any], num_genes: int | None, population_rows: int | None,
                     add: Callable[[str, str], None]) -> None:
    population_size = params.get("sol_per_pop", population_rows)
    mating = params.get("num_parents_mating")
    if mating is not None and population_size is not None and mating > population_size:
        add("num_parents_mating", f"must not exceed the population size ({population_size})")
    for key in ("keep_elitism", "keep_parents"):
        value = params.get(key)
        if value is not None and population_size is not None and value > population_size:
            add(key, f"must not exceed the population size ({population_size})")
    keep_parents = params.get("keep_parents")
    if keep_parents is not None and mating is not None and keep_parents > mating:
        add("keep_parents", f"must not exceed num_parents_mating ({mating})")
    batch = params.get("fitness_batch_size")
    if batch is not None and population_size is not None and batch > population_size:
        add("fitness_batch_size", f"must not exceed the population size ({population_size})")
    for key in ("init_range_low", "init_range_high", "random_mutation_min_val", "random_mutation_max_val"):
        value = params.get(key)
        if isinstance(value, list) and num_genes is not None and len(value) != num_genes:
            add(key, f"has {len(value)} values but num_genes is {num_genes}")

    gene_type = normalise_type_name(params.get("gene_type"))
    if gene_type == "custom":
        if "custom_gene_type" not in params:
            add("custom_gene_type", "is required when gene_type is 'custom'")
        else:
            problem = custom_gene_type_problem(params["custom_gene_type"], num_genes)
            if problem:
                add("custom_gene_type", problem)
    elif "custom_gene_type" in params:
        add("custom_gene_type", "is only used when gene_type is 'custom'")

    problem = gene_space_problem(params.get("gene_space"), num_genes)
    if problem:
        add("gene_space", problem)
    categorical = params.get("gene_categorical")
    if isinstance(categorical, list) and num_genes is not None and len(categorical) != num_genes:
        add("gene_categorical", f"has {len(categorical)} entries but num_genes is {num_genes}")

    _check_mutation_controls(params, num_genes, add)
    _check_categorical(params, add)
    selection = params.get("parent_selection_type", "sss")
    if selection in ("tournament", "tournament_nsga2", "tournament_nsga3") and params.get("K_tournament") == 0:
        add("K_tournament", "must be at least 1 for tournament selection")
    if params.get("parent_selection_type") in ("nsga3", "tournament_nsga3") and params.get("nsga3_num_divisions") is None:
        add("nsga3_num_divisions", "is required for NSGA-III selection")
