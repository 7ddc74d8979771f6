"""MQTT only: topics, payload schemas, dispatch, the paho ingest client, the embedded broker.

Nothing here knows about lockers as the portal keeps them; the lockers domain hands the
ingest its handlers (see `portal.iot.dispatch.Handlers`). Nothing here starts by itself:
`flask serve` and `flask lockers ingest` start it, never `create_app`.
"""
