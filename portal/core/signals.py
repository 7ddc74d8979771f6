"""Signals the domains announce and listen to, so no domain imports another's internals.

Each is sent inside the unit of work (before commit); receivers add rows to the same session.
"""

from blinker import Namespace

portal_signals = Namespace()

# sender: Notification; kwargs: user_id
notification_created = portal_signals.signal("notification-created")
# sender: Membership; kwargs: via ("invite" | "application")
member_joined = portal_signals.signal("member-joined")
# sender: the ambassador's Membership — an admin appointed a 邻里大使 (moderation trusts them)
ambassador_appointed = portal_signals.signal("ambassador-appointed")
# sender: the group-buy order; kwargs: user_id, community_id — an order was collected (done)
order_completed = portal_signals.signal("order-completed")
# sender: the order; kwargs: pickup_point_id, code — a pickup code was issued (order ready)
order_ready = portal_signals.signal("order-ready")
# sender: the event signup; kwargs: user_id, community_id — a resident was checked in at an event
event_attended = portal_signals.signal("event-attended")
# sender: the help need; kwargs: community_id, asker_id, helper_id — a help-day need was completed
help_completed = portal_signals.signal("help-completed")
# sender: the skill exchange; kwargs: community_id, requester_id, helper_id — both confirmed
skill_exchange_completed = portal_signals.signal("skill-exchange-completed")
# sender: the review; kwargs: user_id, community_id — a review of a collected order became visible
# to neighbours (at once, or when a moderator approved it), once per review
review_posted = portal_signals.signal("review-posted")
# sender: the GroupBuy just opened; kwargs: source ("" or what it was opened from, e.g. "wish:12")
buy_opened = portal_signals.signal("buy-opened")
