"""What the stand-in keeps of a received melding: its document as plain data, for inspection.

Element names are the schema's (local names, any version); text stays text, an element with
children becomes a mapping, and the elements the schema lets repeat become lists even when one
came. Tests read it through ``VerzuimloketStandin.registration`` or ``GET /_admin/meldingen`` to
check that a field arrived as sent.
"""

from __future__ import annotations

from typing import Any, Final

from lxml import etree

# Elements that may occur more than once in a MeldenVerzuim document (any version).
REPEATED: Final = frozenset({"actie", "contactpoging"})


def document_data(element: etree._Element) -> dict[str, Any]:
    """An element's children as nested plain data (see the module docstring)."""
    data: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions
        name = etree.QName(child).localname
        value: Any = document_data(child) if len(child) else (child.text or "")
        if name in REPEATED:
            data.setdefault(name, []).append(value)
        else:
            data[name] = value
    return data
