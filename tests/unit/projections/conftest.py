"""Fresh embedded platforms for the history properties (one folder per hypothesis example)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from tests.support.histories import Rig, open_rig, record_organisation


@pytest.fixture(scope="session")
def fresh_rig(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[int], AbstractContextManager[Rig]]:
    """``with fresh_rig(batch_size) as rig:`` a new store and views with the organisation and
    the cadres registered (session-scoped, so hypothesis may call it once per example)."""

    @contextmanager
    def open_(batch_size: int) -> Iterator[Rig]:
        folder = tmp_path_factory.mktemp("history")
        rig = open_rig(folder, batch_size)
        try:
            record_organisation(rig)
            yield rig
        finally:
            rig.store.close()
            shutil.rmtree(folder, ignore_errors=True)

    return open_
