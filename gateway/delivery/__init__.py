"""Delivery: the outbox (the one owner of outbox rows), the worker, one attempt and the retry
decision, routing and alerts."""
