"""Helpdesk integrations: Zendesk ticket events in, private notes and tags out (``zendesk``)."""
