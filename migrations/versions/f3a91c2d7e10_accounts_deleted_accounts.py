"""accounts: deleted accounts (deleted_at; phone nullable so the number can register again)

Revision ID: f3a91c2d7e10
Revises: 5c1e0a7d2b94
Create Date: 2026-12-02 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a91c2d7e10'
down_revision = '5c1e0a7d2b94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('phone', existing_type=sa.String(length=20), nullable=True)


def downgrade():
    # deleted accounts have no phone number: give each a placeholder that cannot log in
    op.execute("UPDATE users SET phone = 'deleted-' || id WHERE phone IS NULL")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('phone', existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column('deleted_at')
