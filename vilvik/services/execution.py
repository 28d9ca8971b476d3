"""The worker's side of a run: claim it, record progress, store its outcome."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select, update

from ..charts import generation_positions, history_preview
from ..engine.continuation import merge_history, starting_population
from ..extensions import db
from ..models import Result, Run, utcnow
from ..runner.policy import MIB, Limits, Policy, parse_required
from ..runner.sandbox import Outcome
from ..schemas import flatten_messages
from ..schemas.fields import first_objective
from ..schemas.imports import ImportResultSchema

PROGRESS_POINTS = 400


def begin_run(run_id: int) -> Run | None:
    """queued -> running, unless it was cancelled (or taken) meanwhile."""
    now = utcnow()
    claimed = db.session.execute(
        update(Run).where(Run.id == run_id, Run.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=now)
    ).rowcount
    if not claimed:
        db.session.rollback()
        return None
    run = db.session.get(Run, run_id)
    run.submission.status = "running"
    db.session.commit()
    return run


def policy_for(run: Run) -> Policy:
    limits = current_app.config["TIERS"][run.submission.user.tier]["runs"]
    return Policy(
        limits=Limits(wall_seconds=limits["wall_seconds"], cpu_seconds=int(limits["wall_seconds"]) + 5,
                      memory_bytes=limits["memory_mb"] * MIB, output_bytes=limits["output_kb"] * 1024),
        required_layers=parse_required(current_app.config["SANDBOX_REQUIRE"]),
    )


def standby_policy() -> Policy:
    """What a child started ahead of its job is confined for: the part it applies before the job
    (scratch, uid) is the same for every tier; the tier's limits come with the job."""
    return Policy(required_layers=parse_required(current_app.config["SANDBOX_REQUIRE"]))


class RunCannotStart(Exception):
    """The run's inputs are gone; the message is for the user."""


def build_job(run: Run) -> dict[str, Any]:
    """Everything the sandbox needs, as JSON: the submission version the run was started with
    (edits made meanwhile wait for the next run). Records how the starting population was chosen."""
    submission = run.submission
    version = next((item for item in submission.versions if item.number == run.version), None)
    params = version.ga_parameters if version else submission.ga_parameters
    code = version.code if version else submission.code
    job = {"ga_parameters": params, "code": code, "num_generations": run.num_generations,
           "initial_population": None}
    if run.mode == "continue":
        parent = submission.parent_result
        if parent is None:
            raise RunCannotStart("The result this run continues was deleted before the run started.")
        start = starting_population(parent.population, parent.last_generation_fitness, params,
                                    len(parent.best_solution), params.get("random_seed"))
        if start is None:
            run.starting_note = "The result has no population: the run starts from a new random population."
        else:
            job["initial_population"] = start.rows
            run.starting_note = f"Started from the result's population: {start.note}."
        db.session.commit()
    return job


def heartbeat(run_id: int) -> bool:
    """Note that the worker is alive; returns whether the run was cancelled meanwhile."""
    db.session.execute(update(Run).where(Run.id == run_id, Run.status == "running").values(heartbeat_at=utcnow()))
    db.session.commit()
    return db.session.scalar(select(Run.status).where(Run.id == run_id)) != "running"


def record_progress(run_id: int, generation: int, history: list[Any]) -> None:
    db.session.execute(
        update(Run).where(Run.id == run_id, Run.status == "running")
        .values(progress_generation=generation, progress_history=history_preview(history, PROGRESS_POINTS),
                heartbeat_at=utcnow())
    )
    db.session.commit()


def validated_result(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """The sandbox's answer passes the import's own checks, or the run fails."""
    if not isinstance(raw, dict):
        return None, "The run produced no result object."
    stopped = raw.pop("stopped_reason", None)
    try:
        data = ImportResultSchema().load(raw)
    except ValidationError as error:
        path, messages = next(iter(flatten_messages(error.messages).items()))
        return None, f"The run produced an invalid result ({path}: {messages[0]})."
    data["stopped_reason"] = stopped if isinstance(stopped, str) else None
    return data, None


def _reproduced(run: Run, previous: Result | None, data: dict[str, Any]) -> bool | None:
    """For an unedited, seeded re-run of an import: did it give exactly the imported run?

    The history is compared too when the import sent all of it; a sampled one cannot be.
    """
    submission = run.submission
    if (previous is None or previous.kind != "imported" or run.version != 1
            or submission.ga_parameters.get("random_seed") is None):
        return None
    same = (previous.best_solution == data["best_solution"]
            and previous.best_solution_fitness == data["best_solution_fitness"])
    _, sampled = generation_positions(len(previous.best_solutions_fitness), previous.generations_completed)
    return same if sampled else same and previous.best_solutions_fitness == data["best_solutions_fitness"]


def _store_result(run: Run, data: dict[str, Any]) -> Result:
    submission = run.submission
    history = data["best_solutions_fitness"]
    completed, best_generation = data["generations_completed"], data["best_solution_generation"]
    continued_from, generations = None, None
    if run.mode == "continue" and submission.parent_result is not None:
        continued_from = submission.parent_result
        offset = continued_from.generations_completed
        history = merge_history(continued_from.best_solutions_fitness, history)
        parent_positions = continued_from.history_generations or generation_positions(
            len(continued_from.best_solutions_fitness), offset)[0]
        if parent_positions != [float(index) for index in range(len(parent_positions))]:
            # A sampled parent: its points keep their places, the new ones follow, one a generation.
            generations = list(parent_positions) + [float(offset + index) for index in range(1, len(data[
                "best_solutions_fitness"]))]
        completed += offset
        best_generation += offset
    result = Result(
        submission=submission, kind="continued" if continued_from else "verified", name=submission.name,
        best_solution=data["best_solution"], best_solution_fitness=data["best_solution_fitness"],
        fitness_value=first_objective(data["best_solution_fitness"]),
        best_solutions_fitness=history, history_preview=history_preview(history), history_generations=generations,
        generations_completed=completed, best_solution_generation=best_generation,
        best_solution_idx=data["best_solution_idx"], gene_type_single=None,
        population=data["population"], last_generation_fitness=data["last_generation_fitness"],
        stopped_reason=data["stopped_reason"], continued_from=continued_from,
    )
    return result


def complete_run(run_id: int, outcome: Outcome) -> Run:
    """Store what the sandbox said: a new current result, or a failure the user can act on.

    The run's row is locked and read again first: a run cancelled, or found silent and failed,
    while it was finishing keeps that state and stores no result.
    """
    db.session.rollback()
    run = db.session.get(Run, run_id, with_for_update=True, populate_existing=True)
    run.output = outcome.output
    run.sandbox_layers = outcome.layers
    run.cpu_seconds, run.peak_memory_kb = round(outcome.cpu_seconds, 3), outcome.peak_memory_kb
    run.finished_at = run.finished_at or utcnow()
    if run.status == "running" and outcome.status == "cancelled":
        run.status = run.submission.status = "cancelled"
    if run.status != "running":  # cancelled by its owner, or failed as silent: that stands
        db.session.commit()
        return run
    data, problem = validated_result(outcome.result) if outcome.status == "succeeded" else (None, None)
    if data is None:
        run.status = run.submission.status = "failed"
        run.error_message = problem or outcome.error or "The run failed."
        run.error_traceback = outcome.user_traceback
        db.session.commit()
        return run
    submission = run.submission
    previous = submission.current_result
    run.reproduced = _reproduced(run, previous, data)
    result = _store_result(run, data)
    db.session.add(result)
    db.session.flush()
    if previous is not None:
        previous.superseded_at = utcnow()
    submission.current_result = result
    run.result = result
    run.status = submission.status = "succeeded"
    run.progress_generation = run.num_generations if data["stopped_reason"] == "completed" else run.progress_generation
    db.session.commit()
    return run


def fail_stale_runs() -> list[int]:
    """Runs whose worker went silent (killed, crashed) are failed; the imported result stays."""
    limit = timedelta(seconds=current_app.config["RUN_HEARTBEAT_TIMEOUT_SECONDS"])
    silent = (Run.status == "running", Run.heartbeat_at < utcnow() - limit)
    # Asked on every look at a running submission (a client polling it): a plain read first,
    # locks and a commit only when there is something to fail.
    if db.session.scalar(select(Run.id).where(*silent).limit(1)) is None:
        return []
    stale = list(db.session.scalars(select(Run).where(*silent).with_for_update()))
    for run in stale:
        run.status = run.submission.status = "failed"
        run.finished_at = utcnow()
        run.error_message = ("The worker running this job stopped (it was killed or crashed). "
                             "The previous result is unchanged; start the run again.")
    db.session.commit()
    return [run.id for run in stale]


def queued_runs() -> list[Run]:
    return list(db.session.scalars(select(Run).where(Run.status == "queued")))


