"""How the browser tests start Chromium: Debian's package (scripts/bootstrap.sh installs it), so no
``playwright install`` is needed."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
