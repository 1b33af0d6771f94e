"""Pure logic with no I/O: safe to import anywhere, cheap to load."""
