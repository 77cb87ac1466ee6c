"""`scripts/bench`: the page cache benchmark, run against servers it starts and stops itself."""
