"""Where the repository's non-test files are, for tests that read docs, deploy configs or scripts."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
SCRIPTS = REPO / "scripts"
