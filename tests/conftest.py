"""The suite's fixtures, loaded from tests/fixtures/ (helpers that are not fixtures are in tests/support/).

Each run starts its own SecantusDB (in memory) and redis-server on free ports; see tests/fixtures/servers.py.
"""

pytest_plugins = [
    "tests.fixtures.servers",
    "tests.fixtures.app",
    "tests.fixtures.actors",
    "tests.fixtures.pagecache",
    "tests.fixtures.ai",
    "tests.fixtures.scene",
]
