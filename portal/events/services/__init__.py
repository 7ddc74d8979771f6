"""Events' services: who an event is for (audience), what the pages read (reading), organising
events (organising), signing up within capacity and the waitlist (signups), tickets and check-in
(tickets), the day-before reminders (reminders), calendar feeds (feeds).

Seats are a limited thing: `events.places_taken` only ever changes through a conditional
UPDATE (`places_taken + n <= capacity`) whose row count says whether it worked (signups.py).
"""
