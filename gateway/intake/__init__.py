"""From outside data to canonical records: code mappings, validation messages, the conformance kit."""
