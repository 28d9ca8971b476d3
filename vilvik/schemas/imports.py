"""The body of ``POST /api/v1/imports/`` (spec/imports-endpoint.txt plus what the SDK adds)."""

from __future__ import annotations

import keyword
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..engine.code import CODE_ROLES, ENTRY_SUFFIX, check_source, entry_name
from ..engine.code import gene_constraint_length
from ..engine.parameters import MAX_INTEGER, check_ga_parameters, custom_gene_type_problem
from ..engine.values import describe
from .fields import Fitness, FitnessList, JsonObject, Matrix, NumberList, StrictBoolean, StrictInteger, objective_count

# Parsing is not linear in every construct (long f-string chains), so sources stay modest: an SDK
# preamble with its helpers is a few KiB.
MAX_SOURCE_CHARS = 64 * 1024
MAX_TOTAL_SOURCE_CHARS = 128 * 1024
MAX_ENTRY_CHARS = 100
MAX_NAME_CHARS = 200
MAX_DESCRIPTION_CHARS = 10_000


class GaParameters(fields.Field):
    """A PyGAD configuration; every key must be a known parameter of a valid type and range."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ValidationError(f"Must be an object, not {describe(value)}.")
        errors = check_ga_parameters(value)
        if errors:
            raise ValidationError(errors)
        return value


class Code(fields.Field):
    """Python sources by role, each parsed (never run) and required to define its entry."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> dict[str, str]:
        if not isinstance(value, dict):
            raise ValidationError(f"Must be an object, not {describe(value)}.")
        errors: dict[str, list[str]] = {}
        for key, text in value.items():
            role = key[: -len(ENTRY_SUFFIX)] if key.endswith(ENTRY_SUFFIX) else key
            if role not in CODE_ROLES:
                errors[key] = [f"Unknown code role; expected one of {', '.join(CODE_ROLES)} or <role>_entry."]
            elif not isinstance(text, str):
                errors[key] = [f"Must be a string, not {describe(text)}."]
            elif key != role:
                if len(text) > MAX_ENTRY_CHARS or not text.isidentifier() or keyword.iskeyword(text):
                    errors[key] = [f"Must be a Python identifier of at most {MAX_ENTRY_CHARS} characters."]
                elif role not in value:
                    errors[key] = [f"Names an entry for '{role}', but no '{role}' source was sent."]
            elif len(text) > MAX_SOURCE_CHARS:
                errors[key] = [f"Must be at most {MAX_SOURCE_CHARS} characters."]
        if "fitness_func" not in value:
            errors["fitness_func"] = ["Missing data for required field."]
        if errors:
            raise ValidationError(errors)
        total = sum(len(text) for key, text in value.items() if key in CODE_ROLES)
        if total > MAX_TOTAL_SOURCE_CHARS:
            raise ValidationError([f"All sources together must be at most {MAX_TOTAL_SOURCE_CHARS} characters."])
        for role in CODE_ROLES:
            if role in value:
                problem = check_source(role, value[role], entry_name(value, role))
                if problem:
                    errors[role] = [problem]
        if errors:
            raise ValidationError(errors)
        return value


class ImportResultSchema(Schema):
    best_solution = NumberList(required=True, min_length=1)
    best_solution_fitness = Fitness(required=True)
    best_solutions_fitness = FitnessList(required=True)
    generations_completed = StrictInteger(required=True, validate=validate.Range(min=0, max=MAX_INTEGER))
    best_solution_generation = StrictInteger(required=True, validate=validate.Range(min=-1, max=MAX_INTEGER))
    population = Matrix(load_default=None, allow_none=True)
    last_generation_fitness = FitnessList(load_default=None, allow_none=True)
    best_solution_idx = StrictInteger(load_default=None, allow_none=True,
                                      validate=validate.Range(min=0, max=MAX_INTEGER))
    gene_type_single = StrictBoolean(load_default=None, allow_none=True)

    @validates_schema
    def check_consistency(self, data: dict[str, Any], **kwargs) -> None:
        """The parts of a result must describe one run.

        The history's length is not checked against the generations: a shorter one is sampled,
        and a longer one is what PyGAD keeps when ``run()`` is called more than once.
        """
        errors: dict[str, list[str]] = {}
        completed = data["generations_completed"]
        if data["best_solution_generation"] > completed:
            errors["best_solution_generation"] = [f"Must not exceed generations_completed ({completed})."]
        objectives = objective_count(data["best_solution_fitness"])
        for key in ("best_solutions_fitness", "last_generation_fitness"):
            series = data.get(key)
            if series and objective_count(series[0]) != objectives:
                errors.setdefault(key, []).append(
                    f"Must have {objectives} objective value(s) per item, like best_solution_fitness."
                )
        population = data.get("population")
        if population is not None:
            genes = len(data["best_solution"])
            if len(population[0]) != genes:
                errors["population"] = [f"Rows have {len(population[0])} genes but best_solution has {genes}."]
            lgf = data.get("last_generation_fitness")
            if lgf is not None and len(lgf) != len(population):
                errors["last_generation_fitness"] = [
                    f"Has {len(lgf)} values but the population has {len(population)} rows."
                ]
            idx = data.get("best_solution_idx")
            if idx is not None and idx >= len(population):
                errors["best_solution_idx"] = [f"Must be below the population size ({len(population)})."]
        if errors:
            raise ValidationError(errors)


class ImportSchema(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=MAX_NAME_CHARS))
    description = fields.String(load_default="", validate=validate.Length(max=MAX_DESCRIPTION_CHARS))
    ga_parameters = GaParameters(required=True)
    code = Code(required=True)
    result = fields.Nested(ImportResultSchema, required=True)
    origin = JsonObject(load_default=None, allow_none=True, max_bytes=16 * 1024)

    @validates_schema
    def check_shapes(self, data: dict[str, Any], **kwargs) -> None:
        """The run's parameters must describe the solutions it reports."""
        params, result = data["ga_parameters"], data["result"]
        genes = len(result["best_solution"])
        errors: dict[str, Any] = {}
        num_genes = params.get("num_genes")
        if num_genes is not None and num_genes != genes:
            errors["ga_parameters.num_genes"] = [f"Is {num_genes} but result.best_solution has {genes} genes."]
        if params.get("gene_type") == "custom" and num_genes is None:
            problem = custom_gene_type_problem(params["custom_gene_type"], genes)
            if problem:
                errors["ga_parameters.custom_gene_type"] = [problem]
        constraints = gene_constraint_length(data["code"])
        if constraints is not None and constraints != genes:
            errors["code.gene_constraint"] = [f"Lists {constraints} constraints but the solutions have {genes} genes."]
        population = result.get("population")
        if population is not None:
            relations = check_ga_parameters(params, population_rows=len(population))
            for key, messages in relations.items():
                errors[f"ga_parameters.{key}"] = messages
        if errors:
            raise ValidationError(errors)

