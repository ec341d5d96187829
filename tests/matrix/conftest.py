from __future__ import annotations

import pytest

from matrix import Matrix, default_matrix


@pytest.fixture(scope="session")
def dm() -> Matrix:
    return default_matrix()
