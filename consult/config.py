"""Configuration, read from the environment with safe defaults.

Every variable is documented in README.md ("Configuration").
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("CONSULT_INSTANCE", ROOT / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        INSTANCE.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE / 'consult.db'}"
    # Accept the common postgres:// spellings and route them through psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = None  # filled in by load()
    SQLALCHEMY_DATABASE_URI = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Language and time.
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}

    # Sessions: idle sessions end after 30 minutes (SECURITY S4).
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    SESSION_REFRESH_EACH_REQUEST = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("CONSULT_SECURE_COOKIES", True)
    SESSION_COOKIE_NAME = "consult_session"
    REMEMBER_COOKIE_HTTPONLY = True

    # Forms.
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; idle sessions end anyway

    # Rate limits (Flask-Limiter): in memory by default, Redis when REDIS_URL is set.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL", "memory://")
    RATELIMIT_ENABLED = _bool("CONSULT_RATELIMIT", True)
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_LOGIN = "10 per minute"
    RATELIMIT_REGISTER = "5 per hour"
    RATELIMIT_PROPOSE = "20 per hour"
    RATELIMIT_SUPPORT = "60 per minute"

    # Lock-out after repeated failed logins (SECURITY S3).
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15

    # Uploads: photos of a matter.
    UPLOAD_FOLDER = str(INSTANCE / "uploads")
    MAX_PHOTO_BYTES = 5 * 1024 * 1024
    MAX_PHOTOS_PER_MATTER = 6
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024

    # Matters.
    PAGE_SIZE = 20
    # Default support threshold; each district may set its own (DistrictSettings).
    SUPPORT_THRESHOLD = int(os.environ.get("CONSULT_SUPPORT_THRESHOLD", "10"))

    # API bearer tokens.
    API_TOKEN_DAYS = 30

    TESTING = False


def load(overrides: dict | None = None) -> dict:
    """The effective configuration as a dict: class defaults, environment, then overrides."""
    cfg = {k: v for k, v in vars(Config).items() if k.isupper()}
    cfg["SQLALCHEMY_DATABASE_URI"] = database_url()
    if overrides:
        cfg.update(overrides)
    if not cfg.get("SECRET_KEY"):
        cfg["SECRET_KEY"] = _secret_key()
    uri = cfg["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        opts = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        opts.setdefault("connect_args", {}).setdefault("timeout", 15)
        opts.pop("pool_pre_ping", None)
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = opts
    return cfg
