"""Creating an import: a submission and its imported result, in one transaction."""

from __future__ import annotations

from dataclasses import replace

from typing import Any

import redis
from flask import current_app
from sqlalchemy import bindparam, insert, update

from ..charts import history_preview
from ..extensions import db
from ..ids import new_result_id, new_submission_id
from ..models import Result, Submission, SubmissionVersion, User
from ..schemas.fields import first_objective
from . import idempotency
from .idempotency import StoredResponse
from .quotas import account_lock, peek_import_quota, require_import_quota


def result_url(base_url: str, result: Result) -> str:
    return result_page_url(base_url, result.public_id)


def result_page_url(base_url: str, result_public_id: str) -> str:
    return f"{base_url}/app/result/{result_public_id}/"


def submission_api_url(base_url: str, submission: Submission) -> str:
    return submission_resource_url(base_url, submission.public_id)


def submission_resource_url(base_url: str, submission_public_id: str) -> str:
    return f"{base_url}/api/v1/submissions/{submission_public_id}"


def imported_stop_reason(params: dict[str, Any], completed: int) -> str:
    """Why the local run ended, as far as the import tells."""
    planned = params["num_generations"]
    return "completed" if completed >= planned else "stopped early (stop_criteria or on_generation)"


# Built once: the statements' compiled forms are cached, the values are parameters.
INSERT_SUBMISSION = insert(Submission.__table__).returning(Submission.__table__.c.id)
INSERT_VERSION = insert(SubmissionVersion.__table__)
INSERT_RESULT = insert(Result.__table__).returning(Result.__table__.c.id)
SET_CURRENT_RESULT = (update(Submission.__table__).where(Submission.__table__.c.id == bindparam("submission"))
                      .values(current_result_id=bindparam("result")))


def _insert_records(user: User, data: dict[str, Any]) -> tuple[str, str]:
    """Insert the submission, its first version and its imported result; returns their public ids.

    Plain INSERT statements rather than the ORM's unit of work: imports are the busiest write,
    nothing here needs the objects afterwards, and sorting out the submission <-> result cycle
    cost the unit of work more than the statements themselves.
    """
    result_data = data["result"]
    submission_public_id, result_public_id = new_submission_id(), new_result_id()
    connection = db.session.connection()
    submission_id = connection.execute(INSERT_SUBMISSION, dict(
        public_id=submission_public_id,
        user_id=user.id,
        name=data["name"],
        description=data["description"],
        source="import",
        ga_parameters=data["ga_parameters"],
        code=data["code"],
        origin=data["origin"],
    )).scalar_one()
    connection.execute(INSERT_VERSION, dict(
        submission_id=submission_id, number=1, ga_parameters=data["ga_parameters"], code=data["code"],
    ))
    result_id = connection.execute(INSERT_RESULT, dict(
        public_id=result_public_id,
        submission_id=submission_id,
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
    )).scalar_one()
    connection.execute(SET_CURRENT_RESULT, {"submission": submission_id, "result": result_id})
    return submission_public_id, result_public_id


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
        submission_id, result_id = _insert_records(user, data)
        response = StoredResponse(
            status=201,
            body={"id": submission_id, "result_id": result_id,
                  "result_url": result_page_url(base_url, result_id)},
            location=submission_resource_url(base_url, submission_id),
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
