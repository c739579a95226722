"""Delivery: the outbox (the one owner of outbox rows), the worker, routing and alerts."""
