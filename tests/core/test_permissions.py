from __future__ import annotations

import pytest

from yiwang.core.errors import PermissionDenied, Unauthenticated
from yiwang.core.permissions import ANONYMOUS, SYSTEM, Actor, ActorKind, Perm, Role, region_prefix


@pytest.mark.parametrize("code,prefix", [
    ("440000", "44"), ("440100", "4401"), ("440104", "440104"),
    ("440104001000", "440104001"), ("440104001001", "440104001001"),
])
def test_region_prefix(code: str, prefix: str) -> None:
    assert region_prefix(code) == prefix


def test_role_permissions() -> None:
    handler = Actor(kind=ActorKind.STAFF, id=1, roles=frozenset({Role.HANDLER.value}), department_id=1)
    assert handler.can(Perm.CASE_HANDLE)
    assert not handler.can(Perm.CASE_APPROVE)
    with pytest.raises(PermissionDenied):
        handler.require(Perm.IDENTITY_STAFF_MANAGE)
    with pytest.raises(Unauthenticated):
        ANONYMOUS.require(Perm.CASE_READ)
    assert SYSTEM.can(Perm.IDENTITY_STAFF_MANAGE)
    person = Actor(kind=ActorKind.PERSON, id=5)
    assert not person.can(Perm.CASE_READ)
    assert person.label == "person:5"
