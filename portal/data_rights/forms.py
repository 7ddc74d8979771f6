"""The confirmation of an account deletion."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import Length

from portal.core.forms import Required


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), [Required(), Length(max=200)])
