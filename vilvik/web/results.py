"""The result page and its downloads."""

from flask import Blueprint, Response, jsonify, render_template
from flask_login import current_user, login_required

from .. import charts, exports
from ..engine.population import gene_summaries
from ..services.lookups import get_own_result

bp = Blueprint("results", __name__, url_prefix="/app/result")


@bp.get("/<result_id>/")
@login_required
def show(result_id: str):
    result = get_own_result(current_user, result_id)
    boundary = result.continued_from.generations_completed if result.continued_from else None
    chart = charts.fitness_chart(result.best_solutions_fitness, result.generations_completed, boundary=boundary,
                                 positions=result.history_generations)
    sampled = charts.history_is_sampled(len(result.best_solutions_fitness), result.generations_completed)
    summaries = gene_summaries(result.population) if result.population else []
    return render_template("result.html", result=result, submission=result.submission, chart=chart,
                           sampled=sampled, summaries=summaries)


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/<result_id>/result.json")
@login_required
def download_json(result_id: str):
    result = get_own_result(current_user, result_id)
    response = jsonify(exports.result_document(result))
    response.headers["Content-Disposition"] = f'attachment; filename="vilvik-{result.public_id}.json"'
    return response


@bp.get("/<result_id>/population.csv")
@login_required
def download_population(result_id: str):
    result = get_own_result(current_user, result_id)
    return _download(exports.population_csv(result), "text/csv", f"vilvik-{result.public_id}-population.csv")


@bp.get("/<result_id>/history.csv")
@login_required
def download_history(result_id: str):
    result = get_own_result(current_user, result_id)
    return _download(exports.history_csv(result), "text/csv", f"vilvik-{result.public_id}-history.csv")
