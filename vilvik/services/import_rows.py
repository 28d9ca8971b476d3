"""The rows of an import: a submission, its first version and its imported result.

Written with plain INSERT statements rather than the ORM's unit of work: imports are the
busiest write, nothing needs the objects afterwards, and sorting out the submission <-> result
cycle cost the unit of work more than the statements. On PostgreSQL the three rows go in one
statement; elsewhere in four.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, literal_column, select, update

from ..charts import history_preview
from ..ids import new_result_id, new_submission_id
from ..models import Result, Submission, SubmissionVersion, User, utcnow
from ..schemas.fields import first_objective

SUBMISSIONS, VERSIONS, RESULTS = Submission.__table__, SubmissionVersion.__table__, Result.__table__


def imported_stop_reason(params: dict[str, Any], completed: int) -> str:
    """Why the local run ended, as far as the import tells."""
    planned = params["num_generations"]
    return "completed" if completed >= planned else "stopped early (stop_criteria or on_generation)"


def row_values(user: User, data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every column of the three rows but their ids (and the ids that link them)."""
    result_data, now = data["result"], utcnow()
    history = result_data["best_solutions_fitness"]
    return {
        "submission": {
            "public_id": new_submission_id(), "user_id": user.id, "name": data["name"],
            "description": data["description"], "source": "import", "status": "succeeded",
            "ga_parameters": data["ga_parameters"], "code": data["code"], "origin": data["origin"], "version": 1,
            "created_at": now, "updated_at": now,
        },
        "version": {"number": 1, "ga_parameters": data["ga_parameters"], "code": data["code"], "created_at": now},
        "result": {
            "public_id": new_result_id(), "kind": "imported", "name": data["name"], "is_shared": False,
            "best_solution": result_data["best_solution"],
            "best_solution_fitness": result_data["best_solution_fitness"],
            "fitness_value": first_objective(result_data["best_solution_fitness"]),
            "best_solutions_fitness": history, "history_generations": None,
            "history_preview": history_preview(history),
            "generations_completed": result_data["generations_completed"],
            "best_solution_generation": result_data["best_solution_generation"],
            "best_solution_idx": result_data["best_solution_idx"],
            "gene_type_single": result_data["gene_type_single"],
            "population": result_data["population"],
            "last_generation_fitness": result_data["last_generation_fitness"],
            "stopped_reason": imported_stop_reason(data["ga_parameters"], result_data["generations_completed"]),
            "created_at": now,
        },
    }


def insert_import(connection: Connection, user: User, data: dict[str, Any]) -> tuple[str, str]:
    """Insert the rows in the caller's transaction; returns the submission's and the result's public ids."""
    values = row_values(user, data)
    if connection.dialect.name == "postgresql":
        _insert_in_one_statement(connection, values)
    else:
        _insert_in_four_statements(connection, values)
    return values["submission"]["public_id"], values["result"]["public_id"]


# Built once: the statements' compiled forms are cached, the values are parameters.
INSERT_SUBMISSION = insert(SUBMISSIONS).returning(SUBMISSIONS.c.id)
INSERT_VERSION = insert(VERSIONS)
INSERT_RESULT = insert(RESULTS).returning(RESULTS.c.id)
SET_CURRENT_RESULT = (update(SUBMISSIONS).where(SUBMISSIONS.c.id == bindparam("submission"))
                      .values(current_result_id=bindparam("result"), updated_at=bindparam("updated")))


def _insert_in_four_statements(connection: Connection, values: dict[str, dict[str, Any]]) -> None:
    submission_id = connection.execute(INSERT_SUBMISSION, values["submission"]).scalar_one()
    connection.execute(INSERT_VERSION, {**values["version"], "submission_id": submission_id})
    result_id = connection.execute(INSERT_RESULT, {**values["result"], "submission_id": submission_id}).scalar_one()
    connection.execute(SET_CURRENT_RESULT, {"submission": submission_id, "result": result_id,
                                            "updated": values["submission"]["updated_at"]})


def _one_statement_insert():
    """INSERTs of all three rows as CTEs over two fresh ids, the submission already pointing at
    its result: PostgreSQL checks foreign keys at the end of the statement, not per row."""
    ids = select(func.nextval(literal_column("'submissions_id_seq'")).label("submission_id"),
                 func.nextval(literal_column("'results_id_seq'")).label("result_id")).cte("ids")

    def insert_from_ids(table, prefix: str, columns: list[str], links: dict[str, str]):
        parameters = [bindparam(f"{prefix}_{name}", type_=table.c[name].type) for name in columns]
        return insert(table).from_select([*links, *columns],
                                         select(*(ids.c[source] for source in links.values()), *parameters))

    submission = insert_from_ids(SUBMISSIONS, "submission", [column for column in _columns(SUBMISSIONS)
                                                             if column != "current_result_id"],
                                 {"id": "submission_id", "current_result_id": "result_id"}).cte("new_submission")
    version = insert_from_ids(VERSIONS, "version", _columns(VERSIONS),
                              {"submission_id": "submission_id"}).cte("new_version")
    result = insert_from_ids(RESULTS, "result", _columns(RESULTS),
                             {"id": "result_id", "submission_id": "submission_id"}).cte("new_result")
    return select(ids.c.submission_id, ids.c.result_id).add_cte(submission, version, result)


def _columns(table) -> list[str]:
    """The columns an import sets, besides the links."""
    links = {"id", "submission_id", "parent_result_id", "continued_from_id", "superseded_at"}
    return [column.name for column in table.columns if column.name not in links]


INSERT_IN_ONE_STATEMENT = _one_statement_insert()


def _insert_in_one_statement(connection: Connection, values: dict[str, dict[str, Any]]) -> None:
    parameters = {f"{row}_{name}": value for row, columns in values.items() for name, value in columns.items()}
    connection.execute(INSERT_IN_ONE_STATEMENT, parameters)
