"""`flask demo` and `flask seed`. (Being built.)"""

import click


@click.command("demo")
def demo_command():
    """Migrate, seed the demo district once, print the logins and serve on :5000."""
    raise click.ClickException("not built yet")


@click.command("seed")
def seed_command():
    """Generate large data fast for benchmarks."""
    raise click.ClickException("not built yet")
