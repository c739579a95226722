"""What tests, the demo and vendors' own tests use: a generated PKI and a synthetic school."""
