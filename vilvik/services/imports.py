"""Creating an import: a submission and its imported result, in one transaction."""

from __future__ import annotations

from dataclasses import replace

import redis
from flask import current_app
from typing import Any

from ..charts import history_preview
from ..extensions import db
from ..models import Result, Submission, SubmissionVersion, User
from ..schemas.fields import first_objective
from . import idempotency
from .idempotency import StoredResponse
from .quotas import account_lock, peek_import_quota, require_import_quota


def result_url(base_url: str, result: Result) -> str:
    return f"{base_url}/app/result/{result.public_id}/"


def submission_api_url(base_url: str, submission: Submission) -> str:
    return f"{base_url}/api/v1/submissions/{submission.public_id}"


def imported_stop_reason(params: dict[str, Any], completed: int) -> str:
    """Why the local run ended, as far as the import tells."""
    planned = params["num_generations"]
    return "completed" if completed >= planned else "stopped early (stop_criteria or on_generation)"


def _build_records(user: User, data: dict[str, Any]) -> tuple[Submission, Result]:
    result_data = data["result"]
    submission = Submission(
        user=user,
        name=data["name"],
        description=data["description"],
        source="import",
        ga_parameters=data["ga_parameters"],
        code=data["code"],
        origin=data["origin"],
        versions=[SubmissionVersion(number=1, ga_parameters=data["ga_parameters"], code=data["code"])],
    )
    result = Result(
        submission=submission,
        kind="imported",
        name=data["name"],
        best_solution=result_data["best_solution"],
        best_solution_fitness=result_data["best_solution_fitness"],
        fitness_value=first_objective(result_data["best_solution_fitness"]),
        best_solutions_fitness=result_data["best_solutions_fitness"],
        history_preview=history_preview(result_data["best_solutions_fitness"]),
        generations_completed=result_data["generations_completed"],
        best_solution_generation=result_data["best_solution_generation"],
        best_solution_idx=result_data["best_solution_idx"],
        gene_type_single=result_data["gene_type_single"],
        population=result_data["population"],
        last_generation_fitness=result_data["last_generation_fitness"],
        stopped_reason=imported_stop_reason(data["ga_parameters"], result_data["generations_completed"]),
    )
    submission.current_result = result
    return submission, result


def create_import(user: User, data: dict[str, Any], *, base_url: str, idempotency_key: str | None = None,
                  request_fingerprint: str = "") -> StoredResponse:
    """Store a validated import, counted against the account's quota, or replay an earlier one.

    The account lock makes the replay check, the quota and the insert one step for the account,
    so concurrent imports can neither exceed the quota nor store a key's request twice.
    """
    with account_lock(user):
        if idempotency_key:
            replay = idempotency.find_replay(user, idempotency_key, request_fingerprint)
            if replay is not None:
                return replace(replay, headers=peek_import_quota(user).headers())
        pending = require_import_quota(user)
        submission, result = _build_records(user, data)
        db.session.add_all([submission, result])
        db.session.flush()
        response = StoredResponse(
            status=201,
            body={"id": submission.public_id, "result_id": result.public_id,
                  "result_url": result_url(base_url, result)},
            location=submission_api_url(base_url, submission),
        )
        if idempotency_key:
            idempotency.remember(user, idempotency_key, request_fingerprint, response)
        db.session.commit()
        try:
            headers = pending.count().headers()
        except redis.RedisError:  # stored is stored: answer 201, uncounted, rather than invite a retry
            current_app.logger.warning("import %s stored but not counted: Redis failed", response.body["id"])
            headers = {}
    return replace(response, headers=headers)
