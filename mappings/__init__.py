"""Data, not code: vendor absence codes, regional rule profiles, the recipient directory.

A package only so that the data ships inside the wheel; ``gateway.config.shipped`` finds it.
"""
