"""A school's configuration: loading, checking, and the gateway's settings."""
