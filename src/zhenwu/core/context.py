"""Who is acting and through which interface, for the audit log (NetBox-style request id).

The middleware sets it for web and API requests, management commands and tasks set it with
``acting_through``; services read it when they write audit events.
"""

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from zhenwu.core.choices import Interface


@dataclass(frozen=True)
class AuditContext:
    interface: str
    request_id: str


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "zhenwu_audit_context", default=None
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current() -> AuditContext:
    """The context of the running request, command or task; SYSTEM when none was set."""
    return _current.get() or AuditContext(interface=Interface.SYSTEM, request_id="")


@contextlib.contextmanager
def acting_through(interface: str, request_id: str | None = None) -> Iterator[AuditContext]:
    ctx = AuditContext(interface=interface, request_id=request_id or new_request_id())
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
