"""Forms for posts, replies, topics, skill listings, help needs, offers and groups."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from portal.boards.services.help import need_problems
from portal.core.forms import Required, attach_errors, strip

TAGS_HELP = _l("Separate tags with commas or spaces: 烘焙, 修家电")


class PostForm(FlaskForm):
    title = StringField(_l("Title"), [Optional(), Length(max=120)], filters=[strip])
    body = TextAreaField(
        _l("Post text"),
        [Required(_l("Write something.")), Length(max=5000)],
        filters=[strip],
        description=_l("Plain text; <b>bold</b>, <i>italics</i> and links work."),
    )
    tags = StringField(_l("Tags"), [Optional(), Length(max=200)], filters=[strip], description=TAGS_HELP)
    topic_id = IntegerField(_l("Topic"), [Optional()])


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Reply"), [Required(_l("Write something.")), Length(max=2000)], filters=[strip]
    )


class TopicForm(FlaskForm):
    title = StringField(
        _l("Topic"),
        [Required(_l("Give the topic a title.")), Length(max=80)],
        filters=[strip],
        description=_l("For example 本周最佳菜谱分享 or 小区绿化建议"),
    )
    prompt = TextAreaField(_l("A question to start with"), [Optional(), Length(max=300)], filters=[strip])
    pin_days = IntegerField(_l("Pinned for days"), [Optional(), NumberRange(0, 31)], default=7)


class ListingForm(FlaskForm):
    kind = RadioField(
        _l("I…"),
        choices=[
            SelectChoice("offer", _l("can offer this skill")),
            SelectChoice("request", _l("am looking for it")),
        ],
        default="offer",
        validators=[Required()],
    )
    title = StringField(
        _l("What"),
        [Required(_l("Say what the skill is.")), Length(max=120)],
        filters=[strip],
        description=_l("For example 教做手工 or 谁会修水管?"),
    )
    body = TextAreaField(_l("Details"), [Optional(), Length(max=2000)], filters=[strip])
    tags = StringField(
        _l("Skill tags"),
        [Required(_l("Add at least one skill tag.")), Length(max=200)],
        filters=[strip],
        description=TAGS_HELP,
    )
    points = IntegerField(
        _l("Points for one exchange"),
        [Optional(), NumberRange(0, 500)],
        default=10,
        description=_l("Time bank: the one who receives the help gives these points to the helper."),
    )


class RespondForm(FlaskForm):
    message = TextAreaField(
        _l("Message"),
        [Required(_l("Say a few words to your neighbour.")), Length(max=300)],
        filters=[strip],
    )


class NeedForm(FlaskForm):
    what = StringField(
        _l("What do you need?"),
        [Required(_l("Say what you need.")), Length(max=120)],
        filters=[strip],
        description=_l("For example 需要临时看孩子 or 帮忙搬柜子"),
    )
    needed_on = DateField(_l("Day"), [Required(_l("Choose the day."))])
    time_note = StringField(
        _l("Time"), [Optional(), Length(max=40)], filters=[strip], description=_l("For example 14:00–16:00")
    )
    place = StringField(_l("Where"), [Optional(), Length(max=80)], filters=[strip])
    details = TextAreaField(_l("Details"), [Optional(), Length(max=2000)], filters=[strip])
    bounty = IntegerField(
        _l("Points bounty (optional)"),
        [Optional(), NumberRange(0, 500)],
        default=0,
        description=_l("Held when you accept an offer; the helper gets them when you confirm."),
    )
    tags = StringField(_l("Tags"), [Optional(), Length(max=200)], filters=[strip], description=TAGS_HELP)

    author = None  # the membership asking (the view sets it), for the rules of the day and bounty

    def validate(self, extra_validators=None):
        """The fields' own checks and the need's rules together (create_need checks them again)."""
        valid = super().validate(extra_validators)
        if self.author is None:
            return valid
        day = None if self.needed_on.errors else self.needed_on.data
        bounty = None if self.bounty.errors else self.bounty.data
        return attach_errors(self, need_problems(self.author, day, bounty)) and valid


class OfferForm(FlaskForm):
    message = TextAreaField(_l("Message (optional)"), [Optional(), Length(max=300)], filters=[strip])


class GroupForm(FlaskForm):
    name = StringField(
        _l("Group name"),
        [Required(_l("Name the group.")), Length(max=40)],
        filters=[strip],
        description=_l("For example 老人照护群 or 宠物互助群"),
    )
    description = TextAreaField(_l("What the group is for"), [Optional(), Length(max=300)], filters=[strip])
    icon = StringField(_l("Icon"), [Optional(), Length(max=8)], filters=[strip], default="🤝")
