"""document metadata: URL, extra keys, the source of each value, warnings

Revision ID: 0004_document_metadata
Revises: 0003
Create Date: 2026-11-22 09:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004_document_metadata'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))
        batch_op.add_column(sa.Column('extra_metadata', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('metadata_sources', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('metadata_warnings', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_column('metadata_warnings')
        batch_op.drop_column('metadata_sources')
        batch_op.drop_column('extra_metadata')
        batch_op.drop_column('url')
