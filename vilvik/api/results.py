"""Results: the outcome of an import or a server run."""

from flask import Blueprint, jsonify

from ..auth import current_account, require_scope
from ..services import runs
from ..services.lookups import get_own_result
from .representations import result_body, submission_body
from .routing import public_base_url, route
from .runs import accepted, overrides_body

bp = Blueprint("results", __name__)


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
