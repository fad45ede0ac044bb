"""The plate-search contract (``tests/search_contract.py``) over every cloud store's search.

The reads go in through ``put_batch``, one stream per site, so the plate dictionary holds
what synced reads write. moto is slow: DynamoDB gets a smaller corpus and fewer examples.
"""

from __future__ import annotations

import pytest

from cloud_plane.store.base import CloudStore
from tests.cloud_plane.store.contracts.builders import NOW
from tests.cloud_plane.store.contracts.search_harness import StoreHarness
from tests.search_contract import ContractRead, check_search_contract, corpus

ROLE = "detections"
EXAMPLES = {"dynamodb": 60}  # per backend; the rest run the contract's default
CORPUS = {"dynamodb": 200}


@pytest.fixture
def backend(store: CloudStore, request: pytest.FixtureRequest) -> str:
    """The name of the store under test."""
    name: str = request.node.callspec.params["store"]
    return name


@pytest.fixture
def reads(backend: str) -> list[ContractRead]:
    """The contract's corpus, sized for the backend."""
    return corpus(size=CORPUS.get(backend, 400))


def test_search_answers_as_the_brute_force_reference(
    store: CloudStore, backend: str, reads: list[ContractRead]
) -> None:
    harness = StoreHarness(store.detections, received_at=NOW)
    harness.store(reads)
    check_search_contract(harness, reads, examples=EXAMPLES.get(backend, 120))
