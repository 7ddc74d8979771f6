"""The NPS card's form: 0–10 and an optional comment."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import Length, Optional

from portal.core.forms import Required, strip
from portal.surveys.models import MAX_COMMENT

SCORES = [str(n) for n in range(11)]


class SurveyForm(FlaskForm):
    score = RadioField(
        _l("How likely are you to recommend Linli to a neighbour?"),
        [Required(_l("Choose a number from 0 to 10."))],
        choices=[SelectChoice(s, s) for s in SCORES],
        validate_choice=False,  # the service refuses anything but 0–10, beside the field
    )
    comment = TextAreaField(
        _l("What is the main reason? (optional)"),
        [Optional(), Length(max=MAX_COMMENT, message=_l("At most %(max)d characters."))],
        filters=[strip],
    )
    next = HiddenField()  # the page the card sat on, for the answer without JavaScript


class DismissForm(FlaskForm):
    next = HiddenField()
