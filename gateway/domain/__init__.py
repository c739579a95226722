"""The vocabulary of the domain: canonical model, reasons, calendar, signals, melding lifecycle,
errors and the ports adapters implement."""
