"""Edits of a submission's code and parameters: the import endpoint's rules, no result."""

from marshmallow import Schema

from .imports import Code, GaParameters


class SubmissionEditSchema(Schema):
    ga_parameters = GaParameters(required=True)
    code = Code(required=True)
