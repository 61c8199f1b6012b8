"""GraphiQL's vendored files are exactly the pinned npm files: the manifest's sums are checked
offline here (`make graphiql-assets` fetches them again with npm)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli import graphiql_assets


def test_the_files_in_the_repository_are_the_pinned_ones() -> None:
    manifest = graphiql_assets.load_manifest()
    assert graphiql_assets.check(manifest) == []
    packages = {p["name"]: p for p in manifest["packages"]}
    assert {n: p["version"] for n, p in packages.items()} == {
        "react": "18.3.1",
        "react-dom": "18.3.1",
        "graphiql": "3.9.0",
    }
    for package in packages.values():
        assert package["license"] == "MIT" and package["integrity"].startswith("sha512-")
        assert any(f["to"].startswith("LICENSE.") for f in package["files"])


def test_a_changed_or_missing_file_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "vendor"
    shutil.copytree(graphiql_assets.VENDOR, copy)
    monkeypatch.setattr(graphiql_assets, "VENDOR", copy)
    with (copy / "graphiql.min.js").open("ab") as changed:
        changed.write(b"\n")
    (copy / "react.production.min.js").unlink()
    problems = graphiql_assets.check(graphiql_assets.load_manifest())
    assert problems == [
        "react.production.min.js is missing.",
        "graphiql.min.js does not match its SHA-256 in the manifest "
        "(graphiql@3.9.0:graphiql.min.js).",
    ]
    assert graphiql_assets.main(["--check"]) == 1
