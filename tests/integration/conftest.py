"""Factories of the projection contract: histories recorded on the platform a test class opens.

Each fixture asks for ``platform``, which the contract suite's adapter subclass provides.
"""

from __future__ import annotations

import pytest

from tests.support.projections import Careers, Platform, Queue, record_careers, record_complaints


@pytest.fixture
def careers(platform: Platform) -> Careers:
    """The three realistic careers (A001, B002, D003) over the organisation, projected."""
    recorded = record_careers(platform)
    platform.caught_up()
    return recorded


@pytest.fixture
def queue(platform: Platform, careers: Careers) -> Queue:
    """Complaints in every state about the careers' cadres and units, projected."""
    filed = record_complaints(platform)
    platform.caught_up()
    return filed
