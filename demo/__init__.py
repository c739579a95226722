"""``verzuim-gateway demo``: the gateway's main job end to end on one machine.

A composition root of its own: it wires the core (``gateway``) to every adapter (sources, channels,
stand-ins), which the core itself never imports.
"""
