"""Forms for communities, joining, and member administration."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts.forms import AccountFieldsMixin
from portal.community.models import Role
from portal.community.services import ROLE_LABELS
from portal.core.forms import Required, strip
from portal.core.inputs import database_int, optional_int


def unit_choices(community) -> list[SelectChoice]:
    """Units grouped by building, for a <select> with optgroups; nothing chosen at first."""
    return [SelectChoice("", _l("Choose your building and unit"))] + [
        SelectChoice(u.id, f"{b.name} {u.name}", optgroup=b.name)
        for b in community.buildings
        for u in b.units
    ]


class UnitFieldMixin:
    unit = SelectField(
        _l("Building and unit"),
        coerce=optional_int,
        validate_choice=False,  # the service checks the unit belongs to the community
        validators=[Required(_l("Choose your building and unit."))],
    )


class JoinForm(UnitFieldMixin, FlaskForm):
    """A logged-in person joining another community."""


class NewcomerJoinForm(UnitFieldMixin, AccountFieldsMixin, FlaskForm):
    """Someone without an account joining by invitation."""


class ApplyForm(UnitFieldMixin, FlaskForm):
    note = TextAreaField(
        _l("A few words for the admins"),
        [Optional(), Length(max=500)],
        filters=[strip],
        description=_l("For example which flat you live in, or who knows you."),
    )


class NewcomerApplyForm(ApplyForm, AccountFieldsMixin):
    pass


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(
        _l("Roles"),
        coerce=database_int,
        choices=[SelectChoice(int(role), label) for role, label in ROLE_LABELS.items()],
    )

    def selected_roles(self) -> Role:
        value = Role(0)
        for role in self.roles.data or []:
            value |= Role(role)
        return value


class CommunityForm(FlaskForm):
    name = StringField(_l("Community name"), [Required(), Length(max=80)], filters=[strip])
    city = StringField(_l("City"), [Optional(), Length(max=40)], filters=[strip], default="")
    address = StringField(_l("Address"), [Optional(), Length(max=200)], filters=[strip], default="")
    buildings = TextAreaField(
        _l("Buildings and units"),
        [Required(), Length(max=5000)],
        description=_l("One building per line, then its units: 1栋: 1单元, 2单元"),
    )
    admin_phone = StringField(
        _l("First admin's mobile number (optional)"),
        [Optional(), Length(max=20)],
        filters=[strip],
        description=_l("An existing account becomes the community's admin."),
    )


class BuildingsForm(FlaskForm):
    buildings = TextAreaField(
        _l("Add buildings and units"),
        [Required(), Length(max=5000)],
        description=_l("One building per line, then its units: 5栋: 1单元, 2单元"),
    )
