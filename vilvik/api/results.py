"""Results: the outcome of an import or a server run."""

from flask import Blueprint, jsonify

from ..auth import current_account, require_scope
from ..schemas.resources import ResultSchema
from ..services.imports import result_url
from ..services.lookups import get_own_result
from .routing import public_base_url, route

bp = Blueprint("results", __name__)


@route(bp, "/results/<result_id>", methods=["GET"])
@require_scope("results:read")
def get(result_id: str):
    result = get_own_result(current_account(), result_id)
    body = ResultSchema().dump(result)
    body["result_url"] = result_url(public_base_url(), result)
    return jsonify(body)
