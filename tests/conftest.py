"""Test-wide settings.

BLAS runs single-threaded in every test: the tests work on small matrices,
where thread wake-ups cost more than they save, and pytest-xdist already
keeps every core busy with one worker each.
"""
import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    with threadpool_limits(1):
        yield
