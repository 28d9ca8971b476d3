"""Query-string arguments of the list endpoints; unknown or bad ones are a 422, never ignored."""

from datetime import timezone

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models import RUN_STATUSES

SOURCES = ("import", "web", "api")
MAX_PAGE = 100


class PageArgs(Schema):
    limit = fields.Integer(validate=validate.Range(1, MAX_PAGE))
    page_size = fields.Integer(validate=validate.Range(1, MAX_PAGE))  # a synonym the SDK's users know
    cursor = fields.String(validate=validate.Length(max=500))

    @validates_schema
    def one_size(self, data, **kwargs) -> None:
        if "limit" in data and "page_size" in data and data["limit"] != data["page_size"]:
            raise ValidationError("Give limit or page_size, not two different sizes.", "page_size")


class SubmissionListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(RUN_STATUSES))
    source = fields.String(validate=validate.OneOf(SOURCES))
    created_after = fields.AwareDateTime(default_timezone=timezone.utc)
    created_before = fields.AwareDateTime(default_timezone=timezone.utc)
    name_contains = fields.String(validate=validate.Length(min=1, max=200))
    parent_submission_id = fields.String(validate=validate.Length(min=1, max=12))
    ordering = fields.String(validate=validate.OneOf(("created_at", "-created_at")))


class ResultListArgs(PageArgs):
    submission_id = fields.String(validate=validate.Length(min=1, max=12))
    is_shared = fields.Boolean()
    min_fitness = fields.Float(allow_nan=False)
    max_fitness = fields.Float(allow_nan=False)
    created_after = fields.AwareDateTime(default_timezone=timezone.utc)
