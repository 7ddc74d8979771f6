"""The pickup point form."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from portal.core.forms import Required, strip
from portal.core.inputs import database_int
from portal.pickup.models import PickupKind

KIND_LABELS = {
    PickupKind.STATION: _l("Manned pickup station"),
    PickupKind.LOCKER: _l("Locker bank"),
    PickupKind.LEADER_HOME: _l("Group leader's home"),
    PickupKind.SHOP: _l("Shop"),
}


class PointForm(FlaskForm):
    name = StringField(
        lazy_pgettext("pickup point", "Name"), [Required(), Length(max=80)], filters=[strip]
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
        coerce=database_int,
        default=30,
        choices=[
            SelectChoice(15, _l("15 minutes")),
            SelectChoice(30, _l("30 minutes")),
            SelectChoice(60, _l("1 hour")),
        ],
    )
    active = BooleanField(_l("In use"), default=True)
