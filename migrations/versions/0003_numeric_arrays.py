"""populations and fitness histories stored as .npy where they are plain numeric arrays

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 08:45:00

Existing rows keep their JSON text, as bytes; the column type reads both forms.
"""
import json

from alembic import op
import sqlalchemy as sa

from vilvik.column_types import unpack

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

COLUMNS = ('best_solutions_fitness', 'population')


def upgrade():
    with op.batch_alter_table('results', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.JSON(), type_=sa.LargeBinary(),
                                  postgresql_using=f"convert_to({column}::text, 'UTF8')")


def downgrade():
    # .npy cannot be turned into JSON in SQL: read every row, change the type, write JSON back.
    connection = op.get_bind()
    stored = sa.table('results', sa.column('id', sa.Integer), *(sa.column(name, sa.LargeBinary) for name in COLUMNS))
    rows = connection.execute(sa.select(stored)).all()
    with op.batch_alter_table('results', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.LargeBinary(), type_=sa.Text(),
                                  postgresql_using=f"encode({column}, 'base64')")  # overwritten below
    texts = sa.table('results', sa.column('id', sa.Integer), *(sa.column(name, sa.Text) for name in COLUMNS))
    for row in rows:
        values = {name: None if row._mapping[name] is None else json.dumps(unpack(row._mapping[name]))
                  for name in COLUMNS}
        connection.execute(texts.update().where(texts.c.id == row.id).values(**values))
    with op.batch_alter_table('results', schema=None) as batch_op:
        for column in COLUMNS:
            batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.JSON(),
                                  postgresql_using=f"{column}::json")
