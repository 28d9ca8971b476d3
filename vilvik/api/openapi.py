"""The OpenAPI 3 document, generated from the marshmallow schemas that validate the requests."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from ..schemas.fields import Fitness, FitnessList, JsonObject, Matrix, NumberList, StrictBoolean, StrictInteger
from ..schemas.imports import Code, GaParameters, ImportSchema
from ..schemas.queries import ResultListArgs, SubmissionListArgs
from ..engine.parameters import PARAMETERS
from ..schemas.resources import ResultSchema, ResultSummarySchema, ResultUpdateSchema, RunSchema, SubmissionSchema
from ..services.runs import CODE_KEYS

NUMBER = {"type": "number"}
FITNESS = {"oneOf": [NUMBER, {"type": "array", "items": NUMBER}]}
CUSTOM_FIELDS = (
    (StrictInteger, {"type": "integer"}),
    (StrictBoolean, {"type": "boolean"}),
    (NumberList, {"type": "array", "items": NUMBER}),
    (Matrix, {"type": "array", "items": {"type": "array", "items": NUMBER}}),
    (FitnessList, {"type": "array", "items": FITNESS}),
    (Fitness, FITNESS),
    (GaParameters, {"type": "object", "description": "PyGAD parameters; num_generations is required.",
                    "required": ["num_generations"], "additionalProperties": True}),
    (Code, {"type": "object", "description": "Python sources by role (fitness_func required), with <role>_entry.",
            "required": ["fitness_func"], "additionalProperties": {"type": "string"}}),
    (JsonObject, {"type": "object", "additionalProperties": True}),
)


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    request_id = fields.String(required=True)
    details = fields.Dict(required=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class ImportCreatedSchema(Schema):
    id = fields.String(required=True)
    result_id = fields.String(required=True)
    result_url = fields.String(required=True)


class SubmissionOutSchema(SubmissionSchema):
    status_url = fields.String()
    result_url = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)


class ResultOutSchema(ResultSchema):
    result_url = fields.String()


class SubmissionPageSchema(Schema):
    results = fields.List(fields.Nested(SubmissionOutSchema))
    next = fields.String(allow_none=True)


class ResultSummaryOutSchema(ResultSummarySchema):
    result_url = fields.String()


class ResultPageSchema(Schema):
    results = fields.List(fields.Nested(ResultSummaryOutSchema))
    next = fields.String(allow_none=True)


def _flat_body_schema(name: str, required: tuple[str, ...]) -> type[Schema]:
    """The flat bodies of create, continue and re-execute, from the tables that validate them:
    every PyGAD parameter the validator knows, every code role and entry, name and description."""
    properties: dict[str, fields.Field] = {
        key: fields.Raw(required=key in required, metadata={"description": "A PyGAD parameter."})
        for key in PARAMETERS
    }
    properties.update({key: fields.String(required=key in required) for key in sorted(CODE_KEYS)})
    properties["num_generations"] = fields.Integer(required="num_generations" in required, metadata={
        "description": "Generations to run (for a continue: generations to add)."})
    properties["name"] = fields.String()
    properties["description"] = fields.String()
    return Schema.from_dict(properties, name=name)


OverridesSchema = _flat_body_schema("Overrides", ())
NewSubmissionSchema = _flat_body_schema("NewSubmission", ("fitness_func", "fitness_func_entry", "num_generations"))


class DeviceCodeSchema(Schema):
    device_code = fields.String()
    user_code = fields.String()
    verification_uri = fields.String()
    verification_uri_complete = fields.String()
    expires_in = fields.Integer()
    interval = fields.Integer()


class DeviceTokenRequestSchema(Schema):
    device_code = fields.String(required=True)


class DeviceTokenSchema(Schema):
    api_key = fields.String()
    access_token = fields.String()
    token_type = fields.String()
    scope = fields.String()


def _custom_field(converter, field, **kwargs) -> dict[str, Any]:
    for cls, properties in CUSTOM_FIELDS:
        if isinstance(field, cls):
            return dict(properties)
    return {}


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): {"description": "Error", **_json("Error")} for status in statuses}


def _operation(summary: str, scope: str | None, ok: tuple[int, str | None], *, body: str | None = None,
               query: type[Schema] | None = None, errors: tuple[int, ...] = (401, 403, 404, 429)) -> dict[str, Any]:
    status, schema = ok
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {str(status): {"description": summary, **(_json(schema) if schema else {})}, **_errors(*errors)},
    }
    if scope:
        operation["security"] = [{"bearer": []}]
        operation["description"] = f"Required scope: `{scope}`."
    if body:
        operation["requestBody"] = {"required": body in ("Import", "NewSubmission", "DeviceTokenRequest"),
                                    **_json(body)}
    if query:
        operation["parameters"] = [{"in": "query", "schema": query}]
    return operation


SUBMISSION_ID = {"name": "submission_id", "in": "path", "required": True, "schema": {"type": "string"}}
RESULT_ID = {"name": "result_id", "in": "path", "required": True, "schema": {"type": "string"}}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}


def build_spec(server_url: str) -> dict[str, Any]:
    plugin = MarshmallowPlugin()
    spec = APISpec(title="Vilvik API", version="1.0.0", openapi_version="3.0.3", plugins=[plugin],
                   servers=[{"url": server_url}],
                   info={"description": "Push PyGAD runs, continue and re-run them on the server."})
    plugin.converter.add_attribute_function(_custom_field)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    # Nested schemas first: apispec names them when they are first met.
    for name, schema in (("Error", ErrorSchema), ("Import", ImportSchema), ("ImportCreated", ImportCreatedSchema),
                         ("Run", RunSchema), ("Submission", SubmissionOutSchema), ("Result", ResultOutSchema),
                         ("ResultUpdate", ResultUpdateSchema), ("SubmissionPage", SubmissionPageSchema),
                         ("ResultPage", ResultPageSchema), ("Overrides", OverridesSchema),
                         ("NewSubmission", NewSubmissionSchema),
                         ("DeviceCode", DeviceCodeSchema), ("DeviceTokenRequest", DeviceTokenRequestSchema),
                         ("DeviceToken", DeviceTokenSchema)):
        spec.components.schema(name, schema=schema)

    spec.path("/health", operations={"get": _operation("Liveness, with the database and Redis", None,
                                                       (200, None), errors=(503,))})
    imports = _operation("Import a local PyGAD run", "imports:write", (201, "ImportCreated"), body="Import",
                         errors=(400, 401, 403, 409, 413, 415, 422, 429))
    imports["parameters"] = [IDEMPOTENCY]
    spec.path("/imports/", operations={"post": imports})
    create = _operation("Start a new run from scratch", "submissions:write", (202, "Submission"), body="NewSubmission",
                        errors=(400, 401, 403, 415, 422, 429, 503))
    create["parameters"] = [IDEMPOTENCY]
    spec.path("/submissions", operations={
        "get": _operation("List submissions, newest first", "submissions:read", (200, "SubmissionPage"),
                          query=SubmissionListArgs, errors=(401, 403, 422, 429)),
        "post": create,
    })
    spec.path("/submissions/{submission_id}", parameters=[SUBMISSION_ID], operations={
        "get": _operation("Get a submission and its latest run", "submissions:read", (200, "Submission")),
        "delete": _operation("Cancel a queued or running submission, else delete it", "submissions:write",
                             (204, None)),
    })
    rerun = _operation("Re-run a submission from scratch", "submissions:write", (202, "Submission"),
                       body="Overrides", errors=(400, 401, 403, 404, 409, 415, 422, 429, 503))
    rerun["parameters"] = [IDEMPOTENCY]
    spec.path("/submissions/{submission_id}/reexecute", parameters=[SUBMISSION_ID], operations={"post": rerun})
    spec.path("/results", operations={
        "get": _operation("List results, newest first, without their large arrays", "results:read",
                          (200, "ResultPage"), query=ResultListArgs, errors=(401, 403, 422, 429)),
    })
    spec.path("/results/{result_id}", parameters=[RESULT_ID], operations={
        "get": _operation("Get a result", "results:read", (200, "Result")),
        "patch": _operation("Rename or share a result", "results:write", (200, "Result"), body="ResultUpdate",
                            errors=(400, 401, 403, 404, 415, 422, 429)),
        "delete": _operation("Delete a result (its submission stays)", "results:write", (204, None)),
    })
    proceed = _operation("Continue a result's run from its final population", "submissions:write",
                         (202, "Submission"), body="Overrides", errors=(400, 401, 403, 404, 415, 422, 429, 503))
    proceed["parameters"] = [IDEMPOTENCY]
    spec.path("/results/{result_id}/continue", parameters=[RESULT_ID], operations={"post": proceed})
    spec.path("/auth/device/code", operations={"post": _operation(
        "Start a device login (RFC 8628)", None, (200, "DeviceCode"), errors=())})
    token = _operation("Poll a device login (RFC 8628 errors: authorization_pending, slow_down, access_denied, "
                       "expired_token)", None, (200, "DeviceToken"), body="DeviceTokenRequest", errors=())
    token["responses"]["400"] = {"description": "RFC 8628 error", **_json(
        {"type": "object", "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}}})}
    spec.path("/auth/device/token", operations={"post": token})
    return spec.to_dict()
