"""Command-line entry points: `flask demo`, `flask seed` (consult/demo.py). Each domain adds its
own commands here."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    from consult.demo import demo_command, seed_command

    app.cli.add_command(demo_command)
    app.cli.add_command(seed_command)
