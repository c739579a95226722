"""The HTTP side of the gateway: the vendors' push API (``app.create_app``) and serving helpers."""
