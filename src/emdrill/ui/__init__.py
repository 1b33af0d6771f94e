"""Terminal rendering (rich) and key input. No database access here."""
