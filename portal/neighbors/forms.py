"""Forms: my profile (each field with its visibility), contact requests, answers."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from portal.core.forms import Required, strip
from portal.neighbors.models import PROFILE_FIELDS, Visibility

VISIBILITY_CHOICES = [
    SelectChoice(Visibility.ME.value, _l("Only me")),
    SelectChoice(Visibility.BUILDING.value, _l("My building")),
    SelectChoice(Visibility.COMMUNITY.value, _l("My community")),
]


def _visibility_field():
    return SelectField(_l("Who sees this"), choices=VISIBILITY_CHOICES, default=Visibility.ME.value)


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Name neighbours see"),
        [Required(_l("Enter the name neighbours see.")), Length(max=40)],
        filters=[strip],
        description=_l("Neighbours who may not see it see only its first character: 王**"),
    )
    avatar = FileField(_l("Photo"), description=_l("JPEG, PNG or WebP."))
    remove_avatar = BooleanField(_l("Remove my photo"))
    occupation = StringField(
        _l("Occupation"),
        [Optional(), Length(max=40)],
        filters=[strip],
        description=_l("For example 退休电工 or IT 工程师"),
    )
    intro = TextAreaField(
        _l("About me"),
        [Optional(), Length(max=500)],
        filters=[strip],
        description=_l("A few words: 新搬来的, 喜欢种花, 欢迎交流园艺"),
    )
    skills = StringField(
        _l("Skills"),
        [Optional(), Length(max=300)],
        filters=[strip],
        description=_l("What you can help with, separated by commas or spaces: 会修家电, 英语辅导"),
    )
    interests = StringField(
        _l("Interests"),
        [Optional(), Length(max=300)],
        filters=[strip],
        description=_l("What you enjoy: 烘焙, 园艺, 宠物"),
    )
    discoverable = BooleanField(_l("List me in the neighbour directory"))
    offers_experience = BooleanField(_l("Suggest me as an experienced neighbour to those who might need it"))
    wants_suggestions = BooleanField(_l("Suggest experienced neighbours to me from what I buy"))

    name_visibility = _visibility_field()
    avatar_visibility = _visibility_field()
    building_visibility = _visibility_field()
    occupation_visibility = _visibility_field()
    intro_visibility = _visibility_field()
    skills_visibility = _visibility_field()
    interests_visibility = _visibility_field()

    def visibilities(self) -> dict[str, str]:
        return {name: getattr(self, f"{name}_visibility").data for name in PROFILE_FIELDS}


class ContactForm(FlaskForm):
    message = TextAreaField(
        _l("Message"),
        [Required(_l("Say a few words: who you are and why you write.")), Length(max=300)],
        filters=[strip],
        description=_l("Your neighbour sees this, your name as your profile allows, and nothing else."),
    )
    share_phone = BooleanField(_l("Share my mobile number if they accept"))


class AnswerForm(FlaskForm):
    share_phone = BooleanField(_l("Share my mobile number with them"))


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    tag = StringField(_l("Tag"), [Optional(), Length(max=40)], filters=[strip])
    building = BooleanField(_l("Only my building"))
