"""Account services — the only code that changes accounts, roles, codes and tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Select, false, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from consult.accounts.models import (
    HANDLING_ROLES,
    ApiToken,
    Role,
    RoleAssignment,
    User,
    VerificationCode,
)
from consult.core.audit import audit
from consult.core.timeutil import utcnow
from consult.extensions import db
from consult.regions.models import Region, RegionKind

_hasher = PasswordHasher()

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
#: unambiguous characters for printed codes (no 0/O, 1/I/L)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MIN_PASSWORD = 10

# A short list of the most common passwords; a longer breached list can be dropped in later.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890", "12345678910", "123456789a", "a123456789", "qwertyuiop", "1q2w3e4r5t",
        "1qaz2wsx3edc", "password123", "password1234", "iloveyou123", "woaini1314", "aaaaaaaaaa",
        "0000000000", "1111111111", "abc1234567", "qwerty123456", "1234qwer!@#$", "zxcvbnm123",
    }
)


class AccountError(ValueError):
    """A rule about accounts was broken; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class AccountLocked(AccountError):
    def __init__(self, until: datetime):
        super().__init__("locked")
        self.until = until


def normalise_phone(phone: str) -> str:
    return re.sub(r"[\s\-]", "", (phone or "").strip()).removeprefix("+86")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_problem(password: str, *, name: str = "", phone: str = "") -> str | None:
    """Why a password is unacceptable (ASVS 2.1: length and a common-password check, no
    composition rules), or None."""
    from flask_babel import gettext as _

    if len(password) < MIN_PASSWORD:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD)
    if len(password) > 128:
        return _("Use at most 128 characters.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        return _("This password is too easy to guess.")
    if phone and phone in password:
        return _("Do not use your phone number in your password.")
    return None


def register(
    *,
    name: str,
    phone: str,
    password: str,
    community: Region,
    building: Region | None = None,
    unit: str = "",
) -> User:
    """Create a resident account (unverified). Raises AccountError naming the field."""
    from flask_babel import gettext as _

    phone = normalise_phone(phone)
    if not PHONE_RE.match(phone):
        raise AccountError(_("Enter an 11-digit mainland mobile number."), "phone")
    if community is None or community.kind != RegionKind.COMMUNITY.value:
        raise AccountError(_("Choose your community."), "community_id")
    if building is not None and building.parent_id != community.id:
        raise AccountError(_("That building is not in the chosen community."), "building_id")
    if problem := password_problem(password, name=name, phone=phone):
        raise AccountError(problem, "password")
    if db.session.scalar(select(User.id).where(User.phone == phone)) is not None:
        raise AccountError(_("An account with this mobile number already exists."), "phone")
    user = User(
        name=name.strip(),
        phone=phone,
        password_hash=hash_password(password),
        community=community,
        building=building,
        unit=unit.strip(),
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent registration with the same phone
        db.session.rollback()
        raise AccountError(_("An account with this mobile number already exists."), "phone") from None
    audit("account.register", actor=user, obj=user)
    return user


def authenticate(phone: str, password: str, *, max_failures: int, lock_minutes: int) -> User | None:
    """Check a login. Counts failures and locks the account after ``max_failures`` in a row
    (SECURITY S3). Returns the user, None for a wrong phone/password; raises AccountLocked."""
    phone = normalise_phone(phone)
    user = db.session.scalar(select(User).where(User.phone == phone))
    now = utcnow()
    if user is None:
        _hasher.hash(password)  # same work either way: no timing hint that the phone is unknown
        audit("login", result="unknown_account")
        db.session.commit()
        return None
    if user.locked_until and user.locked_until > now:
        audit("login", actor=user, obj=user, result="locked")
        db.session.commit()
        raise AccountLocked(user.locked_until)
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            audit("login", actor=user, obj=user, result="locked_now")
            db.session.commit()
            raise AccountLocked(user.locked_until) from None
        audit("login", actor=user, obj=user, result="bad_password")
        db.session.commit()
        return None
    if not user.is_active:
        audit("login", actor=user, obj=user, result="inactive")
        db.session.commit()
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if not user.session_token:
        user.session_token = secrets.token_hex(16)
    audit("login", actor=user, obj=user)
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """Log the user out everywhere: every session cookie issued before becomes void."""
    user.session_token = secrets.token_hex(16)
    audit("logout", actor=user, obj=user)


def verify_resident(person: User, *, by: User) -> None:
    """Staff confirm in person that ``person`` lives where the account says."""
    if person.is_verified:
        return
    person.verified_at = utcnow()
    person.verified_by_id = by.id
    person.verified_via = "staff"
    audit("account.verify", actor=by, obj=person, via="staff")


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().replace("-", "").replace(" ", "").encode()).hexdigest()


@dataclass(frozen=True)
class IssuedCodes:
    """A batch of plain codes, shown once on the printable sheet. Iterates like the list of codes."""

    batch: str
    codes: list[str]
    expires_at: datetime

    def __iter__(self):
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)


def issue_codes(
    community: Region,
    count: int,
    *,
    by: User,
    building: Region | None = None,
    valid_days: int = 60,
) -> IssuedCodes:
    """Make ``count`` one-time verification codes for a community (optionally one building of
    it); returns the plain codes, which are shown once (on the printable sheet) and never stored."""
    from flask_babel import gettext as _

    if not 1 <= count <= 500:
        raise AccountError(_("Enter a number from 1 to %(n)d.", n=500), "count")
    if not 1 <= valid_days <= 366:
        raise AccountError(_("Enter a number of days from 1 to %(n)d.", n=366), "valid_days")
    if building is not None and building.parent_id != community.id:
        raise AccountError(_("That building is not in the chosen community."), "building_id")
    batch = secrets.token_hex(6)
    expires = utcnow() + timedelta(days=valid_days)
    codes: list[str] = []
    for _i in range(count):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        codes.append(code)
        db.session.add(
            VerificationCode(
                code_hash=_code_hash(code),
                community_id=community.id,
                building_id=building.id if building else None,
                batch=batch,
                created_by_id=by.id,
                expires_at=expires,
            )
        )
    audit("codes.issue", actor=by, obj=community, count=count, batch=batch)
    return IssuedCodes(batch=batch, codes=codes, expires_at=expires)


def format_code(code: str) -> str:
    """ABCD2345 → ABCD-2345, easier to read aloud and type."""
    return f"{code[:4]}-{code[4:]}"


def redeem_code(user: User, code: str) -> None:
    """A resident verifies themself with a printed code of their own community."""
    from flask_babel import gettext as _

    if user.is_verified:
        raise AccountError(_("Your residence is already verified."), "code")
    row = db.session.scalar(
        select(VerificationCode).where(VerificationCode.code_hash == _code_hash(code or ""))
    )
    now = utcnow()
    if row is None or row.used_at is not None or row.expires_at < now:
        audit("account.redeem_code", actor=user, obj=user, result="invalid")
        raise AccountError(_("This code is not valid. Check it, or ask your community office."), "code")
    if row.community_id != user.community_id:
        audit("account.redeem_code", actor=user, obj=user, result="other_community")
        raise AccountError(_("This code belongs to another community."), "code")
    row.used_by_id = user.id
    row.used_at = now
    user.verified_at = now
    user.verified_via = "code"
    user.verified_by_id = row.created_by_id
    if row.building_id and not user.building_id:
        user.building_id = row.building_id
    audit("account.verify", actor=user, obj=user, via="code")


def grant_role(user: User, role: Role | str, region: Region, *, by: User | None = None) -> RoleAssignment:
    role = Role(role)
    for existing in user.roles:
        if existing.role == role.value and existing.region_id == region.id:
            return existing
    assignment = RoleAssignment(user=user, role=role.value, region=region, granted_by_id=by.id if by else None)
    db.session.add(assignment)
    db.session.flush()
    audit("role.grant", actor=by, obj=user, role=role.value, region_id=region.id)
    return assignment


def revoke_role(assignment: RoleAssignment, *, by: User) -> None:
    """Take a role away. An admin cannot drop their own admin role (nobody would be left to
    undo it)."""
    from flask_babel import gettext as _

    if assignment.user_id == by.id and assignment.role == Role.ADMIN.value:
        raise AccountError(_("You cannot revoke your own administrator role."), "assignment")
    audit("role.revoke", actor=by, obj=assignment.user, role=assignment.role, region_id=assignment.region_id)
    db.session.delete(assignment)


# API tokens ----------------------------------------------------------------------------------
def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, *, days: int) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=_token_hash(token), expires_at=utcnow() + timedelta(days=days))
    db.session.add(row)
    audit("api.token", actor=user, obj=user)
    return token, row


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at < utcnow():
        return None
    return row.user if row.user.is_active else None


def revoke_api_token(token: str) -> bool:
    """Revoke a bearer token (an API client logs out). False when it was unknown, expired or
    already revoked."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or row.expires_at < utcnow():
        return False
    row.revoked_at = utcnow()
    audit("api.token_revoke", actor=row.user, obj=row.user)
    return True


# Reads for the staff pages --------------------------------------------------------------------
def scope_nodes(user: User) -> list[Region]:
    """The nodes on which ``user`` holds a handling role (staff, street or district officer)."""
    return user.role_nodes(*HANDLING_ROLES)


def communities_in_scope(user: User) -> list[Region]:
    """Every community under the user's handling-role nodes, in tree order, streets loaded."""
    nodes = scope_nodes(user)
    return communities_under(nodes) if nodes else []


def communities_under(nodes: list[Region] | None) -> list[Region]:
    """Communities under any of ``nodes`` (all when None), in tree order, streets loaded."""
    stmt = (
        select(Region)
        .where(Region.kind == RegionKind.COMMUNITY.value)
        .options(joinedload(Region.parent))
        .order_by(Region.path)
    )
    if nodes is not None:
        stmt = stmt.where(_under_any(nodes)) if nodes else stmt.where(false())
    return list(db.session.scalars(stmt))


def buildings_in(communities: list[Region]) -> list[Region]:
    """Buildings / resident groups of the given communities, in tree order."""
    if not communities:
        return []
    return list(
        db.session.scalars(
            select(Region)
            .where(
                Region.kind == RegionKind.GROUP.value,
                Region.parent_id.in_([c.id for c in communities]),
            )
            .order_by(Region.path)
        )
    )


def residents_in_scope(staff: User, *, pending_only: bool = True, query: str = "") -> Select:
    """Accounts living in the staff member's scope — by default those awaiting verification —
    optionally matching a name or phone fragment; oldest registration first."""
    nodes = scope_nodes(staff)
    stmt = (
        select(User)
        .join(User.community)
        .options(contains_eager(User.community), selectinload(User.building))
        .order_by(User.created_at, User.id)
    )
    stmt = stmt.where(_under_any(nodes)) if nodes else stmt.where(false())
    if pending_only:
        stmt = stmt.where(User.verified_at.is_(None))
    if query := (query or "").strip():
        digits = normalise_phone(query)
        stmt = stmt.where(
            or_(User.name.contains(query, autoescape=True), User.phone.contains(digits, autoescape=True))
        )
    return stmt


def _under_any(nodes: list[Region]):
    return or_(*[Region.path.startswith(node.path, autoescape=True) for node in nodes])
