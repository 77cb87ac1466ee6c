"""`scripts/bench`: the issue's cache benchmark, run against servers it starts and stops itself."""
