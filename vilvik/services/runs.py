"""Starting, continuing, re-running and cancelling server runs."""

from __future__ import annotations

from typing import Any

import redis
from flask import current_app
from sqlalchemy import select

from .. import jobs
from ..engine.code import CODE_ROLES, ENTRY_SUFFIX
from ..engine.continuation import shape_changes
from ..errors import ApiError, ServiceUnavailable, ValidationFailed
from ..extensions import db
from ..models import ACTIVE_STATUSES, Result, Run, Submission, SubmissionVersion, User, utcnow
from ..schemas import load_or_raise
from ..redis_connection import get_redis
from ..schemas.edits import SubmissionEditSchema

META_KEYS = ("name", "description")
CODE_KEYS = frozenset(CODE_ROLES) | {role + ENTRY_SUFFIX for role in CODE_ROLES}


class RunConflict(ApiError):
    status, code = 409, "run_in_progress"
    message = "This submission already has a queued or running run; cancel it or wait for it."


def split_overrides(overrides: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A flat override body (as the SDK sends it) as (metadata, code, GA parameters)."""
    meta = {key: overrides[key] for key in META_KEYS if key in overrides}
    code = {key: value for key, value in overrides.items() if key in CODE_KEYS}
    params = {key: value for key, value in overrides.items() if key not in CODE_KEYS and key not in META_KEYS}
    return meta, code, params


def _merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` over ``base``; a null value removes the key."""
    merged = {**base, **changes}
    return {key: value for key, value in merged.items() if value is not None}


def _merged_code(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """New code over the old; a role whose source changes without a new entry name drops its
    old one (the new source may not define it)."""
    base = dict(base)
    for role in CODE_ROLES:
        if role in changes and role + ENTRY_SUFFIX not in changes:
            base.pop(role + ENTRY_SUFFIX, None)
    return _merged(base, changes)


def inputs_of(result: Result) -> tuple[dict[str, Any], dict[str, str]]:
    """The parameters and code that produced ``result``: its run's version, or the import's."""
    submission = result.submission
    run = result.run_of
    number = run.version if run is not None else 1
    version = next((item for item in submission.versions if item.number == number), None)
    if version is None:
        return submission.ga_parameters, submission.code
    return version.ga_parameters, version.code


def _validated(ga_parameters: dict[str, Any], code: dict[str, Any]) -> dict[str, Any]:
    return load_or_raise(SubmissionEditSchema(), {"ga_parameters": ga_parameters, "code": code})


def _check_meta(meta: dict[str, Any]) -> None:
    for key, limit in (("name", 200), ("description", 10_000)):
        if key in meta and (not isinstance(meta[key], str) or len(meta[key]) > limit):
            raise ValidationFailed(f"Invalid field {key}: must be a string of at most {limit} characters.",
                                   details={key: [f"Must be a string of at most {limit} characters."]})


def tier_limits(user: User) -> dict[str, Any]:
    return current_app.config["TIERS"][user.tier]["runs"]


def check_tier_limits(user: User, params: dict[str, Any], generations: int, population_rows: int | None,
                      genes: int | None) -> None:
    """Refuse, before anything runs, what the account's tier does not allow."""
    limits = tier_limits(user)
    problems: dict[str, list[str]] = {}
    if generations > limits["max_generations"]:
        problems["num_generations"] = [f"The {user.tier} tier runs at most {limits['max_generations']} generations."]
    population = params.get("sol_per_pop", population_rows)
    if population is not None and population > limits["max_population"]:
        problems["sol_per_pop"] = [f"The {user.tier} tier allows populations of at most {limits['max_population']}."]
    genes = params.get("num_genes", genes)
    if genes is not None and genes > limits["max_genes"]:
        problems["num_genes"] = [f"The {user.tier} tier allows at most {limits['max_genes']} genes."]
    if population is None or genes is None:
        problems.setdefault("sol_per_pop", []).append(
            "A run from scratch needs sol_per_pop and num_genes (or a population to start from).")
    if problems:
        raise ValidationFailed("The run exceeds what your tier allows; nothing was started.", details=problems)


QUEUE_DOWN = "The run queue is unavailable; nothing was started. Try again shortly."


def _require_queue() -> None:
    """Refuse before anything is stored when Redis does not answer."""
    try:
        get_redis().ping()
    except redis.RedisError:
        raise ServiceUnavailable(QUEUE_DOWN, headers={"Retry-After": "5"}) from None


def _enqueue(run: Run, previous_status: str | None = None) -> None:
    """Queue the committed run. Should Redis fail now, the run is taken back: a new submission
    is removed again, an existing one gets its former status back."""
    try:
        run.rq_job_id = jobs.enqueue_run(run)
    except redis.RedisError as error:
        current_app.logger.error("could not enqueue run %s: %s", run.public_id, type(error).__name__)
        submission = run.submission
        if previous_status is None:
            db.session.delete(submission)
        else:
            submission.status = previous_status
            db.session.delete(run)
        db.session.commit()
        raise ServiceUnavailable(QUEUE_DOWN, headers={"Retry-After": "5"}) from None
    db.session.commit()


def start_continue(user: User, result: Result, overrides: dict[str, Any], source: str) -> Submission:
    """A new submission whose run starts from ``result``'s final population."""
    parent = result.submission
    base_params, base_code = inputs_of(result)
    meta, code_changes, param_changes = split_overrides(overrides)
    _check_meta(meta)
    extra = param_changes.pop("num_generations", base_params.get("num_generations"))
    params = _merged(base_params, param_changes)
    changed = shape_changes(base_params, params)
    genes = len(result.best_solution)
    if params.get("num_genes", genes) != genes and "num_genes" not in changed:
        changed.append("num_genes")
    if changed:
        raise ValidationFailed(
            f"A continued run cannot change {', '.join(changed)}: the population would no longer fit.",
            details={key: ["Cannot change when continuing; re-run from scratch instead."] for key in changed})
    if not isinstance(extra, int) or isinstance(extra, bool) or extra < 1:
        raise ValidationFailed("num_generations (the generations to add) must be a positive integer.",
                               details={"num_generations": ["Must be a positive integer."]})
    params["num_generations"] = extra
    data = _validated(params, _merged_code(base_code, code_changes))
    _require_queue()
    rows = len(result.population) if result.population else None
    check_tier_limits(user, data["ga_parameters"], extra, rows, genes)
    submission = Submission(
        user=user, source=source, status="queued", parent_result=result,
        name=meta.get("name", f"{parent.name or parent.public_id} (continued)"),
        description=meta.get("description", parent.description),
        ga_parameters=data["ga_parameters"], code=data["code"], origin=parent.origin,
        versions=[SubmissionVersion(number=1, ga_parameters=data["ga_parameters"], code=data["code"])],
    )
    run = Run(submission=submission, mode="continue", status="queued", version=1, num_generations=extra)
    db.session.add_all([submission, run])
    db.session.commit()
    _enqueue(run)
    return submission


def start_rerun(user: User, submission: Submission, overrides: dict[str, Any]) -> Submission:
    """Run the submission from scratch; overrides are saved as a new version first."""
    if submission.status in ACTIVE_STATUSES:
        raise RunConflict()
    meta, code_changes, param_changes = split_overrides(overrides)
    _check_meta(meta)
    _require_queue()
    previous_status = submission.status
    if code_changes or param_changes:
        data = _validated(_merged(submission.ga_parameters, param_changes),
                          _merged_code(submission.code, code_changes))
        version = SubmissionVersion(submission=submission, number=submission.version + 1, **data)
        submission.version, submission.ga_parameters, submission.code = version.number, data["ga_parameters"], data["code"]
        db.session.add(version)
    for key, value in meta.items():
        setattr(submission, key, value)
    params = submission.ga_parameters
    check_tier_limits(user, params, params["num_generations"], None, None)
    run = Run(submission=submission, mode="rerun", status="queued", version=submission.version,
              num_generations=params["num_generations"])
    submission.status = "queued"
    db.session.add(run)
    db.session.commit()
    _enqueue(run, previous_status)
    return submission


def cancel_latest_run(submission: Submission) -> Run | None:
    """Cancel the submission's queued or running run; returns it, or None when none was active."""
    run = db.session.scalar(
        select(Run).where(Run.submission_id == submission.id, Run.status.in_(ACTIVE_STATUSES))
        .order_by(Run.id.desc()).with_for_update()
    )
    if run is None:
        return None
    was_running = run.status == "running"
    run.status, run.finished_at = "cancelled", utcnow()
    run.error_message = "Cancelled by its owner."
    submission.status = "cancelled"
    db.session.commit()
    jobs.stop_run(run, was_running)
    return run


def delete_submission(submission: Submission) -> None:
    db.session.delete(submission)
    db.session.commit()


NEW_SUBMISSION_KEYS = ("submission_type", "webhook_url", "notification_email")


def start_new(user: User, body: dict[str, Any]) -> Submission:
    """A new submission from a flat body (as the SDK's submissions.create sends it), run from scratch."""
    body = dict(body)
    kind = body.pop("submission_type", "new")
    if kind != "new":
        raise ValidationFailed("submission_type must be 'new' here; imports go to /imports, continues to "
                               "/results/<id>/continue.", details={"submission_type": ["Must be 'new'."]})
    unsupported = [key for key in ("webhook_url", "notification_email") if body.pop(key, None) is not None]
    if unsupported:
        raise ValidationFailed(f"This server does not send notifications: remove {', '.join(unsupported)}.",
                               details={key: ["Not supported on this server."] for key in unsupported})
    meta, code, params = split_overrides(body)
    _check_meta(meta)
    missing = [f"{role}{ENTRY_SUFFIX}" for role in CODE_ROLES if role in code and not code.get(role + ENTRY_SUFFIX)]
    if missing:
        raise ValidationFailed("Every code field needs its entry symbol (<role>_entry): the function to call.",
                               details={key: ["The entry symbol is required."] for key in missing})
    if "fitness_func" not in code:
        raise ValidationFailed("fitness_func is required.", details={"code.fitness_func": ["Missing data for required field."]})
    data = _validated(params, code)
    params = data["ga_parameters"]
    check_tier_limits(user, params, params["num_generations"], None, None)
    _require_queue()
    submission = Submission(
        user=user, source="api", status="queued", name=meta.get("name", ""), description=meta.get("description", ""),
        ga_parameters=params, code=data["code"], origin=None,
        versions=[SubmissionVersion(number=1, ga_parameters=params, code=data["code"])],
    )
    run = Run(submission=submission, mode="new", status="queued", version=1, num_generations=params["num_generations"])
    db.session.add_all([submission, run])
    db.session.commit()
    _enqueue(run)
    return submission


def update_result(result: Result, changes: dict[str, Any]) -> Result:
    for key, value in changes.items():
        setattr(result, key, value)
    db.session.commit()
    return result


def delete_result(result: Result) -> None:
    """Delete a result; its submission stays, its latest other result becomes current."""
    submission = result.submission
    if submission.current_result_id == result.id:
        others = [other for other in submission.results if other.id != result.id]
        submission.current_result = others[-1] if others else None
        if submission.current_result is not None:
            submission.current_result.superseded_at = None
    db.session.delete(result)
    db.session.commit()
