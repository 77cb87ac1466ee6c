"""The README and docs/ as a newcomer reads them: the front door first, every operation of the API in
docs/api.md, every local link resolving, and nothing that points outside the repository."""

from __future__ import annotations

import re

import httpx

from tests.support.paths import DOCS, REPO

README = (REPO / "README.md").read_text()
PAGES = {"README.md": README} | {f"docs/{p.name}": p.read_text() for p in sorted(DOCS.glob("*.md"))}


def normalised(path: str) -> str:
    """`/api/v1/courses/{course_ref}` and `/courses/{id or slug}` both as `/courses/{}`."""
    return re.sub(r"\{[^}]*\}", "{}", path.removeprefix("/api/v1"))


def test_the_readme_starts_with_the_title_a_paragraph_and_the_two_commands() -> None:
    blocks = README.split("\n\n")
    assert blocks[0].startswith("# OMS")
    assert not blocks[1].startswith(("#", "```", "-", "|"))  # one paragraph of prose
    commands = [line.split("#")[0].strip() for line in blocks[2].splitlines() if not line.startswith("```")]
    assert commands == ["make run", "make test"]
    assert "## Layout" in README and "## Request path" in README and "(docs/api.md)" in README


def test_no_page_points_outside_the_repository_or_at_an_issue() -> None:
    for name, text in PAGES.items():
        assert not re.search(r"\.\./|issue \d|from issue", text, re.IGNORECASE), name


def test_every_local_link_resolves() -> None:
    for name, text in PAGES.items():
        base = (REPO / name).parent
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if not target.startswith(("http://", "https://")):
                assert (base / target).exists(), f"{name} links {target}"


async def test_docs_api_lists_every_operation(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    served = {
        (method.upper(), normalised(path))
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    rows = re.findall(r"^\| (GET|POST|PUT|PATCH|DELETE) \| (/\S*(?: [^|]*)?) \|", PAGES["docs/api.md"], re.M)
    documented = {(method, normalised(path.strip())) for method, path in rows}
    assert len(served) >= 40
    assert served - documented == set()
    assert documented - served <= {("GET", "/metrics")}  # served at the root, outside the document
