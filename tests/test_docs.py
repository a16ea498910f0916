"""Generated reference docs: committed pages match their sources, editors get a schema that accepts real stacks."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import jsonschema
from pydantic import BaseModel, Field
from ruamel.yaml import YAML
from typer.testing import CliRunner

from skyweave.cli import app
from skyweave.docs import DOCS_DIR, component_classes, stack_schema, stale_docs, type_token
from skyweave.field_docs import DocumentedSchema
from skyweave.templates import list_templates, new_stack
from tests.conftest import ROOT

runner = CliRunner()


def test_committed_docs_are_what_the_sources_generate() -> None:
    assert stale_docs() == [], "these docs/ pages are stale: run `skyweave docs` and commit the result"


def test_pages_say_they_are_generated_and_how_to_regenerate() -> None:
    for page in ("stack-file.md", "components.md"):
        first = (DOCS_DIR / page).read_text().splitlines()[0]
        assert first.startswith("<!-- Generated from ")
        assert first.endswith("do not edit. Regenerate with: skyweave docs -->")
    schema = json.loads((DOCS_DIR / "stack-file.schema.json").read_text())
    assert schema["$comment"] == "Generated from skyweave/spec.py; do not edit. Regenerate with: skyweave docs"


def test_docs_check_fails_on_a_stale_page_and_docs_fixes_it(tmp_path: Path) -> None:
    stale = runner.invoke(app, ["docs", "--check", "--dir", str(tmp_path)])
    assert stale.exit_code == 1
    assert f"stale: {tmp_path / 'components.md'}; run `skyweave docs`" in stale.output
    written = runner.invoke(app, ["docs", "--dir", str(tmp_path)])
    assert written.exit_code == 0
    assert "updated stack-file.schema.json, stack-file.md, components.md, policies.md" in written.stdout
    fresh = runner.invoke(app, ["docs", "--check", "--dir", str(tmp_path)])
    assert fresh.exit_code == 0, fresh.output
    assert (tmp_path / "stack-file.md").read_text() == (DOCS_DIR / "stack-file.md").read_text()


def test_schema_command_prints_the_committed_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads((DOCS_DIR / "stack-file.schema.json").read_text())


def _as_editor_reads(text: str) -> object:
    # The YAML language server reads dates as strings (YAML 1.2 core schema); so does the JSON Schema.
    return json.loads(json.dumps(YAML(typ="safe").load(text), default=str))


def _stack_documents() -> dict[str, object]:
    """Every example environment and every template rendered with its defaults, as an editor reads them."""
    documents = {p.name: _as_editor_reads(p.read_text()) for p in sorted((ROOT / "stacks").glob("*.yaml"))}
    for template in list_templates():
        text = new_stack(template.name, "schema-check", project_dir=ROOT).stack_text
        documents[f"template {template.name}"] = _as_editor_reads(text)
    return documents


def test_editors_accept_every_example_and_template_and_flag_a_typo() -> None:
    validator = jsonschema.Draft202012Validator(json.loads((DOCS_DIR / "stack-file.schema.json").read_text()))
    for name, document in _stack_documents().items():
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
        assert errors == [], name
    typo = {**_stack_documents()["dev.yaml"], "budgett": {"monthly_cap_usd": 1}}
    assert any("budgett" in e.message for e in validator.iter_errors(typo))
    assert any("residency" in e.message or list(e.absolute_path) == ["residency"]
               for e in validator.iter_errors({**typo, "residency": 3}))


def test_schema_describes_each_field_by_the_docstring_under_it() -> None:
    schema = stack_schema()
    assert schema["properties"]["name"]["description"] == (
        "Environment name; the Pulumi stack of the same name deploys this file."
    )
    assert schema["properties"]["clusters"]["description"].startswith(
        "Kubernetes clusters per cloud region: settings for the ones skyweave creates, or existing ones to\njoin."
    )


def test_field_docs_come_from_the_nearest_declaring_class_and_yield_to_explicit_descriptions() -> None:
    class Disk(BaseModel):
        size_gb: int = 100
        """Size in GiB."""
        kind: str = "gp3"
        """Volume type."""

    class FastDisk(Disk):
        kind: str = "io2"
        """Volume type; provisioned IOPS."""
        iops: int = Field(3000, description="IOPS to provision.")
        """Not shown: the field describes itself."""

    schema = FastDisk.model_json_schema(schema_generator=DocumentedSchema)
    assert {name: prop["description"] for name, prop in schema["properties"].items()} == {
        "size_gb": "Size in GiB.",
        "kind": "Volume type; provisioned IOPS.",
        "iops": "IOPS to provision.",
    }


def test_stack_file_reference_documents_every_field_of_every_section() -> None:
    page = (DOCS_DIR / "stack-file.md").read_text()
    schema = stack_schema()
    sections = {"Top level": schema, **schema["$defs"]}
    for title, model in sections.items():
        heading = f"\n## {title}\n"
        assert heading in page, title
        section = page.split(heading, 1)[1].split("\n## ", 1)[0]
        for field, prop in model["properties"].items():
            row = next(line for line in section.splitlines() if line.startswith(f"| `{field}` |"))
            assert " ".join(prop.get("description", "").split())[:40] in row.replace("\\|", "|"), (title, field)
    assert "| `monthly_cap_usd` | number (> 0) | required | Monthly spending cap of the environment in USD" in page
    assert "| `residency` | [Residency](#residency) or string | required |" in page


def test_component_reference_lists_every_component_with_its_inputs() -> None:
    page = (DOCS_DIR / "components.md").read_text()
    classes = component_classes()
    assert {"BudgetAlarm", "Cluster", "GpuNodePool", "CompliantBucket", "ServerlessEndpoint", "Gateway"} <= {
        c.__name__ for c in classes
    }
    for component in classes:
        section = page.split(f"\n## {component.__name__}\n", 1)[1].split("\n## ", 1)[0]
        assert f"`{type_token(component)}` in `components/" in section
        for field in typing.get_type_hints(component.__init__)["args"].model_fields:
            assert f"| `{field}` |" in section, (component.__name__, field)
    assert "| `topic` | ARN of the SNS topic (AWS) or ID of the Pub/Sub topic (GCP)" in page


def test_readme_links_the_references() -> None:
    readme = (ROOT / "README.md").read_text()
    reference = readme.split("\n## Reference\n", 1)[1].split("\n## ", 1)[0]
    for page in ("docs/stack-file.md", "docs/stack-file.schema.json", "docs/components.md", "docs/policies.md"):
        assert f"]({page})" in reference
        assert (ROOT / page).is_file()
