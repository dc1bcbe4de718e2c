from collections.abc import Callable, Iterator

import httpx
import pytest

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def make_client() -> Iterator[Callable[[Handler], httpx.Client]]:
    """Build httpx clients answered by a handler instead of the network."""
    clients: list[httpx.Client] = []

    def factory(handler: Handler) -> httpx.Client:
        client = httpx.Client(transport=httpx.MockTransport(handler))
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()
