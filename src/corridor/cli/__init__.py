"""Command-line interface (Typer + rich): parse, call one use case, render."""
