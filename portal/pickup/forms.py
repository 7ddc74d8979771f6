"""Forms for pickup points and for verifying a pickup (核销) by code."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from portal.accounts.forms import strip
from portal.pickup.models import PickupKind

KIND_LABELS = {
    PickupKind.STATION: _l("Manned pickup station"),
    PickupKind.LOCKER: _l("Locker bank"),
    PickupKind.LEADER_HOME: _l("Group leader's home"),
    PickupKind.SHOP: _l("Shop"),
}


class PointForm(FlaskForm):
    name = StringField(
        lazy_pgettext("pickup point", "Name"), [InputRequired(), Length(max=80)], filters=[strip]
    )
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()])
    address = StringField(
        _l("Where exactly"),
        [Optional(), Length(max=200)],
        filters=[strip],
        description=_l("For example 3栋一楼大厅, next to the mailboxes"),
    )
    opening_hours = TextAreaField(
        _l("Opening hours"),
        [Optional(), Length(max=300)],
        filters=[strip],
        description=_l("For example 每天 08:00–20:00"),
    )
    slot_capacity = IntegerField(
        _l("People per pickup time slot"),
        [Optional(), NumberRange(min=0, max=500)],
        default=0,
        description=_l("0: no time slots. Manned points only; spreads people out to avoid crowds."),
    )
    slot_minutes = SelectField(
        _l("Slot length"),
        coerce=int,
        default=30,
        choices=[
            SelectChoice(15, _l("15 minutes")),
            SelectChoice(30, _l("30 minutes")),
            SelectChoice(60, _l("1 hour")),
        ],
    )
    active = BooleanField(_l("In use"), default=True)


class CodeForm(FlaskForm):
    point = SelectField(_l("Pickup point"), coerce=int, validate_choice=False)
    code = StringField(
        _l("Pickup code"),
        [
            InputRequired(_l("Type the 8-digit code.")),
            Regexp(r"^\s*\d{4}\s*\d{4}\s*$", message=_l("A pickup code has 8 digits.")),
        ],
        filters=[strip],
    )
