"""The console's pages, one router per page group; ``gateway.console.app`` composes them under /console."""
