"""Verzuim gateway core: canonical model, calendar, rules engine, store, pipeline and delivery.

The core imports no adapter; adapters are found through entry points (see ``gateway.plugins``).
"""

__version__ = "0.1.0"
