"""Forms of the demand pool: a wish, a +1, a leader's decline and merge."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DecimalField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from portal.core.errors import DomainError
from portal.core.forms import Pictures, Required, strip
from portal.core.inputs import database_int
from portal.demand.services import MAX_QUANTITY, checked_link
from portal.groupbuy.models import CATEGORY_LABELS


class WishForm(FlaskForm):
    title = StringField(
        _l("What would you like?"),
        [Required(), Length(max=80)],
        filters=[strip],
        description=_l("For example 崇明大米, 现烤面包, 上门修空调"),
    )
    category = SelectField(
        _l("Category"), choices=[SelectChoice(k.value, v) for k, v in CATEGORY_LABELS.items()]
    )
    price = DecimalField(
        _l("A price you would pay (¥, optional)"),
        [Optional(), NumberRange(min=Decimal("0.01"), max=Decimal("100000"))],
        places=2,
    )
    unit = StringField(
        _l("Per (optional)"),
        [Optional(), Length(max=16)],
        filters=[strip],
        description=_l("For example 斤, 箱, 份, 次"),
    )
    quantity = IntegerField(
        _l("How many would your household take?"),
        [Required(_l("How many?")), NumberRange(min=1, max=MAX_QUANTITY)],
        default=1,
    )
    link = StringField(
        _l("A link (optional)"),
        [Optional(), Length(max=500)],
        filters=[strip],
        description=_l("A shop or a photo on the web, starting with https://"),
    )
    note = TextAreaField(_l("Anything else (optional)"), [Optional(), Length(max=1000)], filters=[strip])
    photo = FileField(_l("Photo (optional)"), [Pictures(1, name=_l("Photo of the wish"))])

    def validate_link(self, field):
        """An http(s) address, as post_wish checks it again."""
        try:
            checked_link(field.data)
        except DomainError as error:
            raise ValidationError(error.message) from error


class PlusOneForm(FlaskForm):
    quantity = IntegerField(
        _l("How many?"), [Required(_l("How many?")), NumberRange(min=1, max=MAX_QUANTITY)], default=1
    )


class DeclineForm(FlaskForm):
    reason = StringField(
        _l("Why not (the neighbours read this)"), [Required(), Length(max=300)], filters=[strip]
    )


class MergeForm(FlaskForm):
    target = SelectField(_l("The same as"), coerce=database_int, validate_choice=False)
