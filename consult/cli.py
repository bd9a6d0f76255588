"""Command-line entry points: `flask demo`, `flask seed`. Each domain adds its own group."""

from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    from consult.demo import demo_command, seed_command

    app.cli.add_command(demo_command)
    app.cli.add_command(seed_command)
