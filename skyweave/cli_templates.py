"""Commands for stack authors: fork a template (`new`, `templates`), the stack-file schema, the reference docs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from skyweave.cli import app, fail_with
from skyweave.console import stderr, stdout


@app.command()
def new(
    template: Annotated[str, typer.Argument(help="Template to fork; `skyweave templates` lists them.")],
    name: Annotated[str, typer.Option("--name", help="Name of the environment and of its Pulumi stack.")],
    sets: Annotated[list[str] | None, typer.Option("--set", help="Template parameter, key=value (repeatable).")] = None,
    project_dir: Annotated[
        Path, typer.Option("--project-dir", help="The skyweave project (holds Pulumi.yaml).")
    ] = Path("."),
) -> None:
    """Create an environment from a template: writes stacks/NAME.yaml and Pulumi.NAME.yaml.

    The stack is validated before anything is written, and existing files are never overwritten.
    Exit codes: 0 written, 2 bad template, parameters or existing files.
    """
    from skyweave.templates import TemplateError, new_stack, next_commands, write

    try:
        created = new_stack(template, name, sets or [], project_dir)
        write(created)
    except TemplateError as exc:
        raise fail_with(exc.problems) from None
    except FileExistsError as exc:
        raise fail_with([f"{exc.args[0]} already exists; skyweave new never overwrites: pick another --name "
                     "or delete the file"]) from None
    stdout().print(f"wrote {created.stack_path} and {created.pulumi_path} from template {template}",
                 highlight=False, soft_wrap=True)
    stdout().print("next:", highlight=False)
    for command in next_commands(created):
        stdout().print(f"  {command}", highlight=False, markup=False, soft_wrap=True)


@app.command()
def templates() -> None:
    """List the stack templates and their parameters."""
    from rich.markup import escape
    from rich.table import Table

    from skyweave.templates import TemplateError, list_templates

    try:
        found = list_templates()
    except TemplateError as exc:
        raise fail_with(exc.problems) from None
    for template in found:
        table = Table(title=escape(f"{template.name}: {template.description}"), title_justify="left", show_edge=False)
        for column in ("parameter", "type and default", "what it sets"):
            table.add_column(column, overflow="fold")
        for param in template.params:
            table.add_row(param.name, escape(param.describe()), escape(param.help))
        stdout().print(table)
        stdout().print()
    stdout().print("Fork one: skyweave new TEMPLATE --name NAME [--set key=value ...]", highlight=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of stack files (committed as docs/stack-file.schema.json)."""
    from skyweave.docs import stack_schema

    print(json.dumps(stack_schema(), indent=2, ensure_ascii=False))


@app.command()
def docs(
    directory: Annotated[Path, typer.Option("--dir", help="Where the generated pages go.")] = Path("docs"),
    check: Annotated[bool, typer.Option("--check", help="Write nothing; exit 1 if a page is stale.")] = False,
) -> None:
    """Regenerate the reference docs: stack-file schema and reference, components, policies."""
    from skyweave.docs import stale_docs, write_docs

    if check:
        stale = stale_docs(directory)
        for name in stale:
            stderr().print(f"[red]stale[/]: {directory / name}; run `skyweave docs`", highlight=False)
        if stale:
            raise typer.Exit(code=1)
        stdout().print("docs are up to date", highlight=False)
        return
    changed = write_docs(directory)
    stdout().print(f"updated {', '.join(changed)}" if changed else "docs are up to date", highlight=False)
