"""Populations and histories: stored compactly, read back exactly, older rows still readable."""

from __future__ import annotations

import json
import math

import pytest
from flask_migrate import downgrade, upgrade
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from vilvik import create_app
from vilvik.column_types import NPY_MAGIC, pack, unpack
from vilvik.extensions import db
from vilvik.models import Result

finite = st.floats(allow_nan=False, allow_infinity=False)


def same(a, b) -> bool:
    """Equal and of the same JSON form: 1 is not 1.0, -0.0 is not 0.0."""
    return json.dumps(a) == json.dumps(b) and a == b


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.lists(finite, min_size=1),
    st.lists(st.lists(finite, min_size=3, max_size=3), min_size=1),
    st.lists(st.lists(st.integers(-2**63, 2**63 - 1), min_size=2, max_size=2), min_size=1),
    st.lists(st.one_of(finite, st.integers()), min_size=1),
    st.lists(st.lists(st.one_of(finite, st.integers(-10, 10)), min_size=1, max_size=4), min_size=1),
))
def test_every_array_reads_back_exactly(value):
    assert same(unpack(pack(value)), value)


@pytest.mark.parametrize("value, compact", [
    ([[0.5, -0.0], [5e-324, 1.7976931348623157e308]], True),  # extremes of float64, negative zero
    ([[1, 2], [3, 4]], True),                                   # an integer population
    ([[1, 2.5], [3, 4.5]], False),                              # per-gene int and float types
    ([2**64, 1], False),                                        # beyond 64 bits
    ([[1.0, 2.0], [3.0]], False),                               # ragged
    ([True, 1], False),
    ([], False),
])
def test_only_plain_numeric_arrays_are_packed(value, compact):
    stored = pack(value)
    assert stored.startswith(NPY_MAGIC) == compact
    assert same(unpack(stored), value)


def test_a_population_takes_8_bytes_a_gene():
    population = [[math.pi * row + gene for gene in range(100)] for row in range(100)]
    assert len(pack(population)) < 100 * 100 * 8 + 200 < len(json.dumps(population)) / 2


def _insert_old_result(connection) -> None:
    """A result as revision 0002 stored it: JSON text in every array column."""
    connection.execute(text("INSERT INTO users (id, email, password_hash, tier, is_active, created_at) "
                            "VALUES (1, 'old@example.org', 'x', 'free', true, CURRENT_TIMESTAMP)"))
    connection.execute(text(
        "INSERT INTO submissions (id, public_id, user_id, name, description, source, status, ga_parameters, code, "
        "version, created_at, updated_at) VALUES (1, 'sub000000001', 1, 'old', '', 'import', 'succeeded', "
        "'{\"num_generations\": 2}', '{\"fitness_func\": \"def f(a, b, c):\\n    return 1\\n\"}', 1, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    connection.execute(text(
        "INSERT INTO results (id, public_id, submission_id, kind, name, is_shared, best_solution, "
        "best_solution_fitness, fitness_value, best_solutions_fitness, history_preview, generations_completed, "
        "best_solution_generation, population, created_at) VALUES (1, 'res0000001', 1, 'imported', 'old', false, "
        "'[1.5, 2]', '3.5', 3.5, '[1.0, 2.0, 3.5]', '[1.0, 3.5]', 2, 2, '[[1.5, 2], [0.25, -1]]', CURRENT_TIMESTAMP)"))
    # Everything that points at a result must still point at it afterwards.
    connection.execute(text(
        "INSERT INTO results (id, public_id, submission_id, kind, name, is_shared, best_solution, "
        "best_solution_fitness, fitness_value, best_solutions_fitness, history_preview, generations_completed, "
        "best_solution_generation, continued_from_id, created_at) VALUES (2, 'res0000002', 1, 'verified', 'old', "
        "false, '[1.5, 2]', '3.5', 3.5, '[3.5]', '[3.5]', 2, 2, 1, CURRENT_TIMESTAMP)"))
    connection.execute(text(
        "INSERT INTO runs (id, public_id, submission_id, mode, status, version, num_generations, starting_note, "
        "progress_generation, progress_history, output, sandbox_layers, result_id, created_at) VALUES "
        "(1, 'run000000001', 1, 'rerun', 'succeeded', 1, 2, '', 2, '[]', '', '[]', 2, CURRENT_TIMESTAMP)"))
    connection.execute(text("UPDATE submissions SET current_result_id = 2, parent_result_id = 1"))


LINKS = ("SELECT (SELECT current_result_id FROM submissions), (SELECT parent_result_id FROM submissions), "
         "(SELECT result_id FROM runs), (SELECT continued_from_id FROM results WHERE id = 2)")


def test_the_migration_keeps_older_rows_and_downgrades_newer_ones(tmp_path, database_url, redis_url):
    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "x"},
                     instance_path=str(tmp_path / "instance"))
    directory = app.extensions["migrate"].directory
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        try:
            upgrade(directory=directory, revision="0002")
            with db.engine.begin() as connection:
                _insert_old_result(connection)
            upgrade(directory=directory)
            with db.engine.connect() as connection:
                assert tuple(connection.execute(text(LINKS)).one()) == (2, 1, 2, 1)

            old = db.session.get(Result, 1)
            assert same(old.population, [[1.5, 2], [0.25, -1]])
            assert same(old.best_solutions_fitness, [1.0, 2.0, 3.5])
            old.population = [[0.5, 1.5], [2.5, -3.0]]  # written anew: packed
            db.session.commit()
            with db.engine.connect() as connection:
                raw = connection.execute(text("SELECT population FROM results WHERE id = 1")).scalar_one()
            assert bytes(raw).startswith(NPY_MAGIC)
            db.session.remove()

            downgrade(directory=directory, revision="0002")
            with db.engine.connect() as connection:
                assert tuple(connection.execute(text(LINKS)).one()) == (2, 1, 2, 1)
                row = connection.execute(text("SELECT population, best_solutions_fitness FROM results "
                                              "WHERE id = 1")).one()
            assert [json.loads(value) if isinstance(value, str) else value for value in row] == [
                [[0.5, 1.5], [2.5, -3.0]], [1.0, 2.0, 3.5]]
        finally:
            db.session.remove()
            db.drop_all()
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
