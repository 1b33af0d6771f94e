"""The command line: typer only, one module per command group; `main.main` is the entry point."""
