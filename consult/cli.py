"""Command-line entry points: `flask demo`, `flask seed` (consult/demo.py). Each domain adds its
own commands here."""

from __future__ import annotations

import click
from flask import Flask
from flask_babel import gettext as _


def register_cli(app: Flask) -> None:
    from consult.demo import demo_command, seed_command

    app.cli.add_command(demo_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(_calendar_group())


def _calendar_group():
    """`flask calendar import FILE.csv`: the official working-day calendar, as data."""
    from sqlalchemy import select

    from consult.extensions import db
    from consult.regions.models import Region, RegionKind
    from consult.tiers.calendar import CalendarImportError, import_days, parse_csv

    @click.group("calendar")
    def calendar():
        """The working-day calendar (holidays and 调休 working days)."""

    @calendar.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--district", "district_id", type=int, help="District id (needed when there are several).")
    def import_command(path: str, district_id: int | None):
        """Import CSV lines of `date,kind,name` (kind: holiday/workday, or 休/班)."""
        districts = list(db.session.scalars(select(Region).where(Region.kind == RegionKind.DISTRICT.value)))
        if district_id is not None:
            districts = [d for d in districts if d.id == district_id]
            if not districts:
                raise click.ClickException(_("There is no district with id %(id)d.", id=district_id))
        elif len(districts) != 1:
            raise click.ClickException(_("There is not exactly one district: pass --district ID."))
        try:
            with open(path, encoding="utf-8") as fh:
                rows = parse_csv(fh.read())
        except UnicodeDecodeError:
            raise click.ClickException(_("The file is not UTF-8 text.")) from None
        except CalendarImportError as exc:
            where = _("line %(n)d: ", n=exc.line) if exc.line else ""
            raise click.ClickException(f"{path}: {where}{exc}") from None
        added, updated = import_days(districts[0], rows)
        db.session.commit()
        click.echo(
            _("%(district)s: %(added)d days added, %(updated)d updated.",
              district=districts[0].name, added=added, updated=updated)
        )

    return calendar
