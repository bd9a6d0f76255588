"""Cross-cutting pieces: permissions, audit, money, time, masking, htmx helpers, errors."""
