"""Fast translation look-ups for rendering.

Flask-Babel resolves the context, domain, locale and catalog on every single ``gettext`` call;
a list page translates a few hundred strings, and those look-ups were a third of its time. Here
the catalog is resolved once per request (kept on ``g``, which lives exactly one request) and
reused by templates and by the label helpers.
"""

from __future__ import annotations

from flask import g
from flask_babel import get_translations


def translations():
    try:
        return g._consult_translations
    except AttributeError:
        g._consult_translations = get_translations()
        return g._consult_translations


def lazy_text(value) -> str:
    """The translation of a lazy string (``lazy_gettext``) through the per-request catalog."""
    args = getattr(value, "_args", None)
    if args and isinstance(args[0], str) and len(args) == 1 and not getattr(value, "_kwargs", None):
        return translations().ugettext(args[0])
    return str(value)


def install(app) -> None:
    """Templates' ``_``/``gettext``/``ngettext`` use the per-request catalog."""
    app.jinja_env.install_gettext_callables(
        lambda s: translations().ugettext(s),
        lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
    )
