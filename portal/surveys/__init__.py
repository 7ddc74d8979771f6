"""The NPS survey (净推荐值): "How likely are you to recommend Linli to a neighbour?" 0–10 and an
optional comment, offered to a resident at most once in SURVEY_INTERVAL_DAYS, after an order they
collected or an event they attended. The card is a section of the community home and of a
collected order's page; the dashboard reads the answers (surveys/reading.py).
"""
