"""Results: the outcome of an import or a server run."""

from flask import Blueprint, jsonify

from ..auth import current_account, require_scope
from ..schemas import load_or_raise
from ..schemas.queries import ResultListArgs
from ..schemas.resources import ResultSummarySchema, ResultUpdateSchema
from ..services import pages, runs
from ..services.imports import result_url
from ..services.lookups import get_own_result
from .body import json_body
from .listing import envelope, query_args
from .representations import result_body, submission_body
from .routing import public_base_url, route
from .runs import accepted, overrides_body

bp = Blueprint("results", __name__)


@route(bp, "/results", methods=["GET"])
@require_scope("results:read")
def index():
    """Newest first; rows leave out the arrays that can be large (get one result for them)."""
    page = pages.list_results(current_account(), query_args(ResultListArgs()))
    base = public_base_url()
    rows = [{**ResultSummarySchema().dump(row), "result_url": result_url(base, row.public_id)} for row in page.rows]
    return jsonify(envelope(page, rows))


@route(bp, "/results/<result_id>", methods=["PATCH"])
@require_scope("results:write")
def update(result_id: str):
    result = get_own_result(current_account(), result_id)
    changes = load_or_raise(ResultUpdateSchema(), json_body())
    return jsonify(result_body(runs.update_result(result, changes), public_base_url()))


@route(bp, "/results/<result_id>", methods=["DELETE"])
@require_scope("results:write")
def delete(result_id: str):
    """Delete a result; its submission is left as it is."""
    runs.delete_result(get_own_result(current_account(), result_id))
    return "", 204


@route(bp, "/results/<result_id>", methods=["GET"])
@require_scope("results:read")
def get(result_id: str):
    return jsonify(result_body(get_own_result(current_account(), result_id), public_base_url()))


@route(bp, "/results/<result_id>/continue", methods=["POST"])
@require_scope("submissions:write")
def continue_run(result_id: str):
    """A new submission that continues this result's run for num_generations more generations."""
    result = get_own_result(current_account(), result_id)
    body = overrides_body()
    base = public_base_url()

    def start():
        return submission_body(runs.start_continue(current_account(), result, body, source="api"), base)

    return accepted(f"results.continue:{result_id}", body, start, lambda created: created["status_url"])
