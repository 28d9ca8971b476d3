"""populations and fitness histories stored as .npy where they are plain numeric arrays

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 08:45:00

Existing rows keep their JSON text, as bytes; the column type reads both forms.
"""
import json
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa

from vilvik.column_types import unpack

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = ('best_solutions_fitness', 'population')


@contextmanager
def results_batch():
    """A batch change of the results table.

    On SQLite a type change copies the table and drops the old one; with foreign keys on, the
    drop would first set every reference to a result (a submission's current result, a run's
    result...) to NULL. They are off for the copy, as SQLite's own procedure asks."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    try:
        with op.batch_alter_table('results', schema=None) as batch_op:
            yield batch_op
    finally:
        if sqlite:
            with op.get_context().autocommit_block():
                op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    with results_batch() as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.JSON(), type_=sa.LargeBinary(),
                                  postgresql_using=f"convert_to({column}::text, 'UTF8')")


def downgrade():
    # .npy cannot be turned into JSON in SQL: read every row, change the type, write JSON back.
    connection = op.get_bind()
    stored = sa.table('results', sa.column('id', sa.Integer), *(sa.column(name, sa.LargeBinary) for name in COLUMNS))
    rows = connection.execute(sa.select(stored)).all()
    with results_batch() as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.LargeBinary(), type_=sa.Text(),
                                  postgresql_using=f"encode({column}, 'base64')")  # overwritten below
    texts = sa.table('results', sa.column('id', sa.Integer), *(sa.column(name, sa.Text) for name in COLUMNS))
    for row in rows:
        values = {name: None if row._mapping[name] is None else json.dumps(unpack(row._mapping[name]))
                  for name in COLUMNS}
        connection.execute(texts.update().where(texts.c.id == row.id).values(**values))
    with results_batch() as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.JSON(),
                                  postgresql_using=f"{column}::json")
