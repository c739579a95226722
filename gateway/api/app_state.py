"""What the app was built with (``create_app``): its store and its clock, read from a request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi import Request

from gateway.store import Store


def store_of(request: Request) -> Store:
    """The app's store."""
    store: Store = request.app.state.store
    return store


def today_of(request: Request) -> date:
    """The app's clock: today in Europe/Amsterdam unless a test set another."""
    clock: Callable[[], date] = request.app.state.clock
    return clock()
