"""Helpers the tests share (builders of histories, servers in process, constants); the fixtures
that use them live in the ``conftest.py`` of each folder."""
