# ruff: noqa: E501  (the page template is kept on long lines, like the portal's)
"""The baseline for bench_groupbuy: a bare Flask page rendering the same 50 open buys from the
same database with the same card markup — no login, sessions, CSRF, translations, navigation
or ORM objects; one query for the rows and one for their first photos."""

import os

import sqlalchemy as sa
from flask import Flask, render_template_string

app = Flask(__name__)
engine = sa.create_engine(os.environ["BENCH_DATABASE_URL"])

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Group buys</title>
<link rel="stylesheet" href="/static/vendor/pico.min.css"><link rel="stylesheet" href="/static/css/groupbuy.css"></head>
<body><main class="container"><h1>Group buys</h1>
<section id="gb-list" class="gb-list">
{% for b in buys %}
<a class="gb-card" href="/groupbuy/{{ b.id }}">
  <div class="gb-thumb">{% if photos.get(b.id) %}<img src="/uploads/{{ photos[b.id] }}" alt="" loading="lazy" width="96" height="96">{% else %}<span aria-hidden="true">🛒</span>{% endif %}</div>
  <div class="gb-card-body">
    <h2>{{ b.title }}</h2>
    <p class="gb-price"><strong>{{ b.price }}</strong><small>/{{ b.unit }}</small>
      {% if b.reference %}<s>{{ b.reference }}</s>{% endif %}</p>
    <progress value="{{ b.quantity_total if b.quantity_total < b.min_quantity else b.min_quantity }}" max="{{ b.min_quantity }}" aria-label="Progress"></progress>
    <p class="gb-card-meta"><span>{{ b.quantity_total }}/{{ b.min_quantity }} {{ b.unit }} · {{ b.participant_count }} neighbours</span>
      <span class="gb-badge gb-badge-{{ b.status }}">{{ b.status }}</span></p>
    <p class="gb-card-meta muted">Order by {{ b.deadline }}</p>
  </div>
</a>
{% endfor %}
</section></main></body></html>"""


@app.get("/")
def index():
    with engine.connect() as connection:
        buys = connection.execute(
            sa.text(
                "SELECT id, title, unit, unit_price_cents, reference_price_cents, quantity_total, min_quantity, "
                "participant_count, status, deadline FROM group_buys WHERE status = 'open' "
                "ORDER BY deadline LIMIT 50"
            )
        ).all()
        photos = dict(
            connection.execute(
                sa.text(
                    "SELECT buy_id, path FROM group_buy_photos WHERE position = 0 AND buy_id IN "
                    "(SELECT id FROM group_buys WHERE status = 'open' ORDER BY deadline LIMIT 50)"
                )
            ).all()
        )
    rows = [
        {
            **b._mapping,
            "price": f"¥{b.unit_price_cents / 100:.2f}",
            "reference": f"¥{b.reference_price_cents / 100:.2f}" if b.reference_price_cents else "",
        }
        for b in buys
    ]
    return render_template_string(PAGE, buys=rows, photos=photos)
