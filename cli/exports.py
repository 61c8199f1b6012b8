"""Generated documents: `qaf export-schema` and `qaf export-openapi`."""

from __future__ import annotations

from typing import Annotated

import typer

from cli import embedded
from cli.common import console


def export_schema(
    check: Annotated[bool, typer.Option(help="Fail if schema.graphql is stale.")] = False,
) -> None:
    """Write the GraphQL SDL to schema.graphql."""
    from api.graphql.schema import schema

    target = embedded.ROOT / "schema.graphql"
    sdl = schema.as_str() + "\n"
    if check:
        if not target.exists() or target.read_text() != sdl:
            console.print("[red]schema.graphql is stale: run `qaf export-schema`.[/red]")
            raise typer.Exit(1)
        return
    target.write_text(sdl)
    console.print(f"Wrote {target}")


def export_openapi(
    check: Annotated[
        bool, typer.Option(help="Fail if api/openapi/respond-v1.json is stale.")
    ] = False,
) -> None:
    """Write the respondents' JSON API's OpenAPI 3.1 document to api/openapi/respond-v1.json."""
    from api.http.respondents.contract import DOCUMENT_PATH, document_text

    text = document_text()
    if check:
        if not DOCUMENT_PATH.exists() or DOCUMENT_PATH.read_text() != text:
            console.print(f"[red]{DOCUMENT_PATH.name} is stale: run `qaf export-openapi`.[/red]")
            raise typer.Exit(1)
        return
    DOCUMENT_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOCUMENT_PATH.write_text(text)
    console.print(f"Wrote {DOCUMENT_PATH}")
