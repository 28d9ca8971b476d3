"""How stored objects are shown to API clients."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..models import as_utc
from .fields import StrictBoolean as StrictBooleanField


class UtcDateTime(fields.DateTime):
    """ISO 8601 with its zone; SQLite hands timestamps back without one."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(as_utc(value), attr, obj, **kwargs)


class ResultSchema(Schema):
    id = fields.String(attribute="public_id")
    submission_id = fields.Function(lambda result: result.submission.public_id, metadata={"type": "string"})
    name = fields.String()
    kind = fields.String()
    imported = fields.Boolean()
    badges = fields.List(fields.String())
    superseded = fields.Function(lambda result: result.superseded_at is not None, metadata={"type": "boolean"})
    is_shared = fields.Boolean()
    best_solution = fields.Raw()
    best_solution_fitness = fields.Raw()
    best_solutions_fitness = fields.Raw()
    history_generations = fields.Raw(allow_none=True)
    generations_completed = fields.Integer()
    best_solution_generation = fields.Integer()
    best_solution_idx = fields.Integer(allow_none=True)
    gene_type_single = fields.Boolean(allow_none=True)
    population = fields.Raw(allow_none=True)
    last_generation_fitness = fields.Raw(allow_none=True)
    stopped_reason = fields.String(allow_none=True)
    continued_from = fields.Function(
        lambda result: result.continued_from.public_id if result.continued_from else None,
        metadata={"type": "string", "nullable": True},
    )
    created_at = UtcDateTime()


class RunSchema(Schema):
    """The latest server run of a submission: live progress while it runs, the error if it failed."""

    id = fields.String(attribute="public_id")
    mode = fields.String()
    status = fields.String()
    generation = fields.Integer(attribute="progress_generation")
    num_generations = fields.Integer()
    starting_note = fields.String()
    error = fields.String(attribute="error_message", allow_none=True)
    traceback = fields.String(attribute="error_traceback", allow_none=True)
    sandbox_layers = fields.List(fields.String())
    cpu_seconds = fields.Float(allow_none=True)
    peak_memory_kb = fields.Integer(allow_none=True)
    reproduced = fields.Boolean(allow_none=True)
    created_at = UtcDateTime()
    started_at = UtcDateTime(allow_none=True)
    finished_at = UtcDateTime(allow_none=True)


class SubmissionSchema(Schema):
    id = fields.String(attribute="public_id")
    status = fields.String()
    name = fields.String()
    description = fields.String()
    submission_type = fields.String()
    source = fields.String()
    ga_parameters = fields.Raw()
    code = fields.Raw()
    origin = fields.Raw(allow_none=True)
    result_id = fields.Function(
        lambda submission: submission.current_result.public_id if submission.current_result else None,
        metadata={"type": "string", "nullable": True},
    )
    parent_result_id = fields.Function(
        lambda submission: submission.parent_result.public_id if submission.parent_result else None,
        metadata={"type": "string", "nullable": True},
    )
    run = fields.Nested(RunSchema, attribute="latest_run", allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class ResultSummarySchema(ResultSchema):
    """A result as lists show it: without the arrays that can be large."""

    class Meta:
        exclude = ("best_solution", "best_solutions_fitness", "history_generations", "population",
                   "last_generation_fitness")


class ResultUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(max=200))
    is_shared = StrictBooleanField()
