"""The capabilities of the platform over one store, one clock and one vault."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.campaigns import Campaigns
from domain.clock import Clock
from domain.complaints import Complaints, new_receipt
from domain.organisation import OrganisationStructure
from domain.personnel import Personnel
from domain.store import Store
from domain.vault import Vault


@dataclass
class Services:
    """Organisation structure, personnel, complaints and campaigns, sharing one event store."""

    store: Store
    organisation: OrganisationStructure
    personnel: Personnel
    complaints: Complaints
    campaigns: Campaigns

    @classmethod
    def over(
        cls, store: Store, clock: Clock, vault: Vault, receipts: Callable[[], str] = new_receipt
    ) -> Services:
        """Wire the capabilities to a store."""
        organisation = OrganisationStructure(store, clock)
        return cls(
            store=store,
            organisation=organisation,
            personnel=Personnel(store, clock, organisation),
            complaints=Complaints(store, clock, vault, receipts),
            campaigns=Campaigns(store, clock, organisation),
        )
