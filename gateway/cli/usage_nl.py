"""Click's usage errors in Dutch: one translation table for the English texts click writes itself.

Click formats its messages in English (``Missing option '--reason'.``); the people at the command
line read Dutch. Each English pattern maps to a Dutch template over the same captured parts; a text
that matches none (a command's own Dutch ``BadParameter``) is shown as it is.
"""

from __future__ import annotations

import re

import click

# (English pattern, Dutch template); the first full match wins, so specific patterns come first.
_TABLE: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(english), dutch) for english, dutch in (
    (r"Missing option (.+)\.", "optie {0} ontbreekt"),
    (r"Missing argument (.+)\.", "argument {0} ontbreekt"),
    (r"Missing parameter (.+)\.", "{0} ontbreekt"),
    (r"No such command (.+)\.", "onbekend commando {0}"),
    (r"Got unexpected extra arguments? \((.*)\)", "onverwachte extra invoer: {0}"),
    (r"Option (.+) requires an argument\.", "optie {0} heeft een waarde nodig"),
    (r"Option (.+) requires (\d+) arguments\.", "optie {0} heeft {1} waarden nodig"),
    (r"Option (.+) does not take a value\.", "optie {0} neemt geen waarde"),
    (r"(.+) is not one of (.+)\.", "{0} is geen toegestane waarde; kies uit {1}"),
    (r"(.+) is not a valid integer(?: range)?\.", "{0} is geen geheel getal"),
    (r"(.+) is not a valid float(?: range)?\.", "{0} is geen getal"),
    (r"(.+) is not a valid boolean\.", "{0} is geen ja/nee-waarde"),
    (r"(.+) is not in the range (.+)\.", "{0} ligt niet in het bereik {1}"),
    (r"('.*') is not ('.*')\.", "{0} is geen toegestane waarde; alleen {1}"),
    (r"(?:File|Directory|Path) (.+) does not exist\.", "{0} bestaat niet"),
    (r"(?:File|Directory|Path) (.+) is a directory\.", "{0} is een map, geen bestand"),
    (r"(?:File|Directory|Path) (.+) is a file\.", "{0} is een bestand, geen map"),
    (r"(?:File|Directory|Path) (.+) is not readable\.", "{0} is niet leesbaar"),
    (r"(?:File|Directory|Path) (.+) is not writable\.", "{0} is niet schrijfbaar"),
    (r"(.+) does not match the formats? (.+)\.", "{0} heeft niet de vorm {1}"),
))
_INVALID_VALUE = re.compile(r"Invalid value for (.+?): (.*)", re.DOTALL)


def dutch(text: str) -> str:
    """``text`` in Dutch if it is one of click's English messages; any other text as it is."""
    invalid = _INVALID_VALUE.fullmatch(text)
    if invalid:
        return f"ongeldige waarde voor {invalid[1]}: {dutch(invalid[2])}"
    for pattern, template in _TABLE:
        match = pattern.fullmatch(text)
        if match:
            return template.format(*match.groups())
    return text


def usage_message(exc: click.UsageError) -> str:
    """The Dutch message for a usage error, with click's own suggestions kept ("bedoelt u ...?")."""
    if isinstance(exc, click.NoSuchOption):  # click appends its English "Did you mean" itself
        suggestion = f"; bedoelt u {', '.join(sorted(exc.possibilities))}?" if exc.possibilities else ""
        return f"onbekende optie '{exc.option_name}'{suggestion}"
    return dutch(exc.format_message())
