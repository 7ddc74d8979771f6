"""Login, sign-up and password forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import EqualTo, Length, Regexp

from portal.core.forms import Required, strip

PHONE = Regexp(r"^1[3-9]\d{9}$", message=_l("Enter an 11-digit mobile number."))


class LoginForm(FlaskForm):
    phone = StringField(_l("Mobile number"), [Required(), PHONE], filters=[strip])
    password = PasswordField(_l("Password"), [Required(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class NewPasswordMixin:
    password = PasswordField(
        _l("Password"),
        [Required(), Length(min=8, max=200, message=_l("Use 8 to 200 characters."))],
    )
    confirm = PasswordField(
        _l("Password again"), [Required(), EqualTo("password", _l("The passwords differ."))]
    )


class AccountFieldsMixin(NewPasswordMixin):
    """What a newcomer types to get an account."""

    phone = StringField(_l("Mobile number"), [Required(), PHONE], filters=[strip])
    display_name = StringField(
        _l("Name neighbours see"),
        [Required(), Length(min=1, max=40)],
        filters=[strip],
        description=_l("For example 3栋王阿姨 or 小李"),
    )


class PasswordChangeForm(NewPasswordMixin, FlaskForm):
    current = PasswordField(_l("Current password"), [Required()])


class PasswordResetForm(NewPasswordMixin, FlaskForm):
    """An admin sets a new password for a member."""
