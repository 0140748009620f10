"""Printers: one module per target over the shared precedence table in `base`."""
