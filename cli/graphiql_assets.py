"""Fetch GraphiQL's browser files (GraphiQL, React, ReactDOM) from npm into
api/static/graphiql/vendor/, pinned by api/static/graphiql/vendor/MANIFEST.json.

    python -m cli.graphiql_assets           # fetch with `npm pack`; refuse a file that differs
    python -m cli.graphiql_assets --check   # offline: the files on disk match the manifest
    python -m cli.graphiql_assets --update  # after changing a version: record the new sums

The service serves these files itself (api/graphiql.py): nothing is loaded from a CDN at run
time, so GraphiQL works on a network without internet and under a strict CSP. npm is needed
only here, by whoever updates the files; the repository carries the files themselves.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).resolve().parents[1] / "api" / "static" / "graphiql" / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_integrity(data: bytes) -> str:
    """The `dist.integrity` npm records for a tarball (Subresource Integrity, SHA-512)."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def load_manifest() -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return manifest


def check(manifest: dict[str, Any]) -> list[str]:
    """What on disk differs from the manifest, one sentence each (empty: all as pinned)."""
    problems = []
    for package in manifest["packages"]:
        for file in package["files"]:
            path = VENDOR / file["to"]
            if not path.is_file():
                problems.append(f"{file['to']} is missing.")
            elif sha256(path.read_bytes()) != file["sha256"]:
                problems.append(
                    f"{file['to']} does not match its SHA-256 in the manifest "
                    f"({package['name']}@{package['version']}:{file['from']})."
                )
    return problems


def _pack(name: str, version: str, into: Path) -> bytes:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is needed to fetch GraphiQL's files (it is not needed to run).")
    done = subprocess.run(  # noqa: S603 - fixed arguments, a pinned package from the manifest
        [npm, "pack", f"{name}@{version}", "--json", "--pack-destination", str(into)],
        capture_output=True,
        text=True,
        check=True,
    )
    filename: str = json.loads(done.stdout)[0]["filename"]
    return (into / filename).read_bytes()


def fetch(manifest: dict[str, Any], *, update: bool) -> list[str]:
    """Fetch every pinned package and write its files; with `update`, record new sums instead
    of refusing them. Returns the refusals (nothing is written for a package refused)."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for package in manifest["packages"]:
            label = f"{package['name']}@{package['version']}"
            tarball = _pack(package["name"], package["version"], Path(tmp))
            integrity = npm_integrity(tarball)
            if update:
                package["integrity"] = integrity
            elif integrity != package["integrity"]:
                problems.append(
                    f"{label}: the tarball's integrity {integrity} is not the pinned one."
                )
                continue
            contents: dict[str, bytes] = {}
            with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
                for file in package["files"]:
                    member = archive.extractfile(f"package/{file['from']}")
                    if member is None:
                        problems.append(f"{label}: {file['from']} is not a file in the package.")
                        continue
                    data = member.read()
                    if update:
                        file["sha256"] = sha256(data)
                    elif sha256(data) != file["sha256"]:
                        problems.append(f"{label}: {file['from']} differs from its pinned SHA-256.")
                        continue
                    contents[file["to"]] = data
            if len(contents) == len(package["files"]):
                for to, data in contents.items():
                    (VENDOR / to).write_bytes(data)
                print(f"{label}: {', '.join(contents)}")
    if update and not problems:
        MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="verify the files on disk, offline")
    mode.add_argument("--update", action="store_true", help="record the sums of new versions")
    args = parser.parse_args(argv)
    manifest = load_manifest()
    problems = check(manifest) if args.check else fetch(manifest, update=args.update)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems and args.check:
        print(f"GraphiQL's files match {MANIFEST}.")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
