"""Alembic migrations, packaged with the gateway and run programmatically (``gateway.store.migrate``)."""
