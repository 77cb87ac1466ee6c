"""Plain helpers the tests import: API calls and assertions, settings, typed factory signatures, stub servers.

Nothing here is a fixture; the fixtures live in tests/fixtures/ and are loaded by the top conftest.
"""
