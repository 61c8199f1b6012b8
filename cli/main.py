"""`qaf`: the operator's command line. Like the API and the workers, it only calls domain/.

The commands live by what they are about, and are listed here in the order `qaf --help` shows
them: `cli.database` (schema, demo, children), `cli.people` (people and development tokens),
`cli.deadlines` (what is due, reminders), `cli.exports` (generated documents) and
`cli.running` (the API, the worker, `make run`).
"""

from __future__ import annotations

import typer

from cli import database, deadlines, exports, people, running

app = typer.Typer(help="Quality assurance and learning: operations.", no_args_is_help=True)

app.command("migrate")(database.migrate_command)
app.command("seed-demo")(database.seed_demo)
app.command("import-children")(database.import_children)
app.command("create-person")(people.create_person)
app.command("token")(people.token)
app.command("due")(deadlines.due)
app.command("would-send")(deadlines.would_send)
app.command("sweep")(deadlines.sweep)
app.command("rework-reminders")(deadlines.rework_reminders)
app.command("export-schema")(exports.export_schema)
app.command("export-openapi")(exports.export_openapi)
app.command("serve")(running.serve)
app.command("worker")(running.worker)
app.command("dev")(running.dev)


if __name__ == "__main__":
    app()
