"""One Dask cluster for the batch tests: 2 worker processes of one thread,
configured as ``solve_many`` configures the clusters it starts."""
import pytest


@pytest.fixture(scope="session")
def client():
    from optsolve.batch._cluster import batch_client

    with batch_client(workers=2) as (c, _):
        yield c


@pytest.fixture
def idle_client(client):
    """The cluster, once no task of an earlier test is still running."""
    import time
    deadline = time.monotonic() + 30
    while any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    client.wait_for_workers(2, timeout=30)
    return client
