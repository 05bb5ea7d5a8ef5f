"""Cleanup campaigns (专项清理整治): opened by inspectors over a unit's subtree, closed with a
summary. Which secondments a campaign targets is read from the findings register by the
caller; the campaign records them as they stood when it opened."""

from __future__ import annotations

from datetime import date

from domain.campaign import KINDS, Campaign, Target
from domain.clock import Clock
from domain.errors import AlreadyRegistered, InvalidValue
from domain.ids import campaign_id
from domain.organisation import OrganisationStructure
from domain.retry import on_fresh_state
from domain.store import Store, Written
from domain.values import By, Recording, check_code, check_text


class Campaigns:
    """Opens and closes cleanup campaigns."""

    def __init__(self, store: Store, clock: Clock, organisation: OrganisationStructure) -> None:
        self.store = store
        self.clock = clock
        self.organisation = organisation

    def _ctx(self, by: By) -> Recording:
        return Recording.of(by, self.clock.now(), self.clock.today())

    def campaign(self, code: str) -> Campaign:
        """The campaign of that code, or NotFound."""
        key = campaign_id(check_code(code, "campaign code"))
        return self.store.load(Campaign, key, f"campaign {code}")

    @on_fresh_state
    def open(
        self,
        by: By,
        *,
        code: str,
        title: str,
        kind: str,
        unit: str,
        starts_on: date,
        due_on: date,
        targets: list[Target],
    ) -> Written:
        """Open a campaign with its targets (one transaction); a code used before is 409."""
        check_code(code, "campaign code")
        check_text(title, "title", max_length=200)
        if not title.strip():
            raise InvalidValue("title must not be blank")
        if kind not in KINDS:
            raise InvalidValue(f"kind must be one of {', '.join(KINDS)}")
        self.organisation.known_unit(unit)
        if self.store.exists(campaign_id(code)):
            raise AlreadyRegistered(f"campaign {code} exists already")
        ctx = self._ctx(by)
        campaign = Campaign.open(
            ctx, code=code, title=title, kind=kind, unit=unit, starts_on=starts_on, due_on=due_on
        )
        campaign.fix_targets(ctx, targets)
        return self.store.commit(campaign)

    @on_fresh_state
    def close(
        self,
        by: By,
        code: str,
        *,
        on: date,
        summary: str,
        figures: dict[str, int],
        expected_version: int | None = None,
    ) -> Written:
        """Close a campaign with the figures it reached and a summary."""
        check_text(summary, "summary", max_length=4000, multiline=True)
        campaign = self.campaign(code)
        campaign.close(self._ctx(by), on=on, summary=summary, figures=figures)
        return self.store.commit(campaign, expected_version=expected_version)
