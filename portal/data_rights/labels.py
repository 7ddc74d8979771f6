"""Headings of the readable data page: the export's keys in the reader's language."""

import re
from datetime import datetime

from flask_babel import format_datetime, pgettext
from flask_babel import lazy_gettext as _l

LABELS = {
    # lists and groups
    "account": _l("Account"),
    "notifications": _l("Notifications"),
    "login_sessions": _l("Login sessions"),
    "memberships": _l("Memberships"),
    "invitations": _l("Invitations I made"),
    "profiles": _l("Profiles"),
    "contact_requests": _l("Contact requests"),
    "purchase_hints": _l("Purchase hints"),
    "ledger": _l("Points ledger"),
    "balances": _l("Balances"),
    "redemptions": _l("Redemptions"),
    "badges": _l("Badges"),
    "reports_made": _l("Reports I made"),
    "moderation_of_my_content": _l("Moderation of my content"),
    "trusted_poster": _l("Trusted poster"),
    "posts": _l("Posts"),
    "skill_listings": _l("Skill listings"),
    "skill_exchanges": _l("Skill exchanges"),
    "help_needs": _l("Help needs"),
    "help_offers": _l("Help offers"),
    "groups": _l("Mutual-aid groups"),
    "signups": _l("Signups"),
    "calendar_feeds": _l("Calendar feeds"),
    "orders": _l("Orders"),
    "waitlist": _l("Waitlist"),
    "buys_led": _l("Group buys I lead"),
    # columns
    "id": _l("Number"),
    "phone": _l("Mobile number"),
    "display_name": _l("Name neighbours see"),
    "locale": _l("Language"),
    "created_at": _l("Created"),
    "platform_admin": _l("Platform admin"),
    "expires_at": _l("Expires"),
    "user_agent": _l("Device"),
    "remember": _l("Kept logged in"),
    "this_device": _l("This device"),
    "kind": _l("Kind"),
    "read_at": _l("Read"),
    "link": _l("Link"),
    "text": _l("Text"),
    "community": _l("Community"),
    "building": _l("Building"),
    "unit": _l("Unit"),
    "roles": _l("Roles"),
    "status": _l("Status"),
    "application_note": _l("Application note"),
    "decided_at": _l("Decided"),
    "revoked_at": _l("Revoked"),
    "occupation": _l("Occupation"),
    "intro": _l("About me"),
    "discoverable": _l("In the directory"),
    "offers_experience": _l("Offers experience"),
    "wants_suggestions": _l("Wants suggestions"),
    "ambassador": _l("Ambassador"),
    "updated_at": _l("Updated"),
    "has_photo": _l("Photo"),
    "skills": _l("Skills"),
    "interests": _l("Interests"),
    "visibility": _l("Who sees what"),
    "direction": _l("Direction"),
    "neighbour": _l("Neighbour"),
    "message": _l("Message"),
    "from_shares_phone": _l("Sender shares phone"),
    "to_shares_phone": _l("Receiver shares phone"),
    "topic": _l("Topic"),
    "count": _l("Count"),
    "last_at": _l("Last"),
    "amount": _l("Amount"),
    "reason": _l("Reason"),
    "reason_label": _l("Why"),
    "note": _l("Note"),
    "balance": _l("Balance"),
    "item": _l("Item"),
    "code": _l("Code"),
    "cost": _l("Cost"),
    "used_at": _l("Used"),
    "badge": _l("Badge"),
    "awarded_at": _l("Awarded"),
    "item_id": _l("Item number"),
    "resolved_at": _l("Resolved"),
    "action": _l("Action"),
    "approved_at": _l("Approved"),
    "board": _l("Board"),
    "title": _l("Title"),
    "body": _l("Text"),
    "reply_to": _l("Reply to"),
    "points": _l("Points"),
    "open": _l("Open"),
    "listing": _l("Listing"),
    "my_part": _l("My part"),
    "state": _l("State"),
    "completed_at": _l("Completed"),
    "what": _l("What"),
    "details": _l("Details"),
    "needed_on": _l("Needed on"),
    "place": _l("Place"),
    "bounty": _l("Bounty"),
    "need": _l("Need"),
    "group": _l("Group"),
    "joined_at": _l("Joined"),
    "event": _l("Event"),
    "starts_at": _l("Starts"),
    "places": _l("Places"),
    "points_paid": _l("Points paid"),
    "cancelled_at": _l("Cancelled"),
    "checked_in_at": _l("Checked in"),
    "pickup_point": _l("Pickup point"),
    "address": _l("Address"),
    "active": _l("Active"),
    "reference": _l("Order"),
    "buy": _l("Group buy"),
    "quantity": _l("Quantity"),
    "unit_price_cents": _l("Unit price (fen)"),
    "total_cents": _l("Total (fen)"),
    "collected_by_someone_else": _l("Collected by someone else"),
    "paid_at": _l("Paid"),
    "collected_at": _l("Collected"),
    "deadline": _l("Deadline"),
    "participant_count": _l("Participants"),
    "quantity_total": _l("Quantity ordered"),
    "reviews": _l("Reviews"),
    "helpful_votes": _l("Reviews I found helpful"),
    "stars": _l("Stars"),
    "helpful_count": _l("Helpful votes"),
    "photos": _l("Photos"),
    "review_id": _l("Review number"),
    "survey_offers": _l("Surveys offered to me"),
    "trigger": _l("Offered after"),
    "offered_at": _l("Offered"),
    "answered_at": _l("Answered"),
    "dismissed_at": _l("Closed without answering"),
    "score": _l("Score (0–10)"),
    "comment": _l("Comment"),
}


def label(key: str) -> str:
    """A key's heading, or the key itself for one not listed."""
    found = LABELS.get(key)
    return str(found) if found is not None else key.replace("_", " ")


ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def readable_time(value):
    """An export's UTC time ("2026-12-02T03:33:30.000894Z") in the community's local time, as the
    portal shows times elsewhere; any other value as it is."""
    if isinstance(value, str) and ISO_UTC.fullmatch(value):
        return format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")), "short")
    return value


def yes_no(value: bool) -> str:
    return pgettext("answer", "yes") if value else pgettext("answer", "no")
