"""The school's web console (issue 7): review queue, deadlines, no-show board, dead letters,
audit trail and monitoring figures, plus the receivers' feedback API.

``console_routers(settings, directory=...)`` returns the routers to pass to
``gateway.api.app.create_app``; the recipient directory scopes the receivers' keys to their area.
"""

from gateway.console.app import ConsoleSettings, console_routers

__all__ = ["ConsoleSettings", "console_routers"]
