"""A principal's scope kind is the product's one vocabulary of scope levels."""

from __future__ import annotations

import pytest

from backend.api.types import ScopeKind as GraphQLScopeKind
from backend.enums import ScopeKind
from backend.principal import Principal


@pytest.mark.parametrize(
    ("principal", "kind"),
    [
        (Principal("org-1"), ScopeKind.ORGANIZATION),
        (Principal("org-1", zone_id="zone-w"), ScopeKind.ZONE),
        (Principal("org-1", center_id="c-pune"), ScopeKind.CENTER),
    ],
)
def test_the_kind_names_the_level_of_the_scope(principal: Principal, kind: ScopeKind) -> None:
    assert principal.kind is kind


def test_only_an_organization_scope_may_manage_accounts() -> None:
    assert Principal("org-1", can_write=True).can_manage_accounts
    assert not Principal("org-1", zone_id="zone-w", can_write=True).can_manage_accounts
    assert not Principal("org-1", center_id="c-pune", account_admin=True).can_manage_accounts


def test_the_api_shows_every_kind() -> None:
    assert [GraphQLScopeKind(kind).name for kind in ScopeKind] == [kind.name for kind in ScopeKind]
