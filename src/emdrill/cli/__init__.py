"""The command line: typer only. `main` is the installed `emdrill` entry point."""

from emdrill.cli.main import app, main

__all__ = ["app", "main"]
