"""merge the domains' migrations

Revision ID: 419d11f9e63d
Revises: 193398ebd092, 3533c4cd6155, b39eda14220c, c1e455cb293c, d7d501dc4765
Create Date: 2026-11-22 02:06:07.362293

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '419d11f9e63d'
down_revision = ('193398ebd092', '3533c4cd6155', 'b39eda14220c', 'c1e455cb293c', 'd7d501dc4765')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
