"""Reading the YAML users write: the values YAML 1.2 gives, the line of every key and item, clear errors."""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from skyweave.cli import app
from skyweave.yamlfile import LinedList, LinedMap, YamlError, line_of, load
from tests.conftest import BASE_STACK, ROOT, write_stack

SCALARS = [
    "017", "0o17", "0x1F", "0b101", "1_000", "-0", "+1", "08", "0o8", "0b2",
    "1.", ".5", "1e3", "1E3", "1.5e-3", "-1_0.5", ".inf", "-.inf", "+.inf", ".NaN", "1e",
    "true", "False", "TRUE", "tRUE", "yes", "no", "on", "off", "y", "n",
    "~", "", "null", "Null", "NULL", "nULL",
    "2026-12-31", "2026-12-31T10:00:00Z", "2026-12-31 10:00:00.5 +01:00", "2026-1-5",
    "12:30", "1:00", "eu-west-1", "'yes'", '"017"', "3.14.15",
]


def plain(value: Any) -> Any:
    """ruamel's round-trip types (CommentedMap, ScalarFloat, TimeStamp, ...) as plain Python values."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value


@pytest.mark.parametrize("scalar", SCALARS)
def test_values_are_read_as_ruamel_reads_yaml_1_2(scalar: str) -> None:
    """Templates are written for ruamel.yaml's round-trip rules; the reader gives each value the same type."""
    assert plain(load(f"key: {scalar}\n")["key"]) == plain(YAML(typ="rt").load(f"key: {scalar}\n")["key"])


@pytest.mark.parametrize("path", sorted((ROOT / "stacks").glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_stack_reads_as_with_ruamel(path: Path) -> None:
    text = path.read_text()
    assert plain(load(text)) == plain(YAML(typ="rt").load(text))


def test_lines_of_keys_and_items() -> None:
    document = load("name: a\nworkloads:\n  - name: chat\n    model:\n      parameters_b: 8\n  - name: embed\n")
    assert isinstance(document, LinedMap) and isinstance(document["workloads"], LinedList)
    assert line_of(document, ("workloads", 0, "model", "parameters_b")) == 5
    assert line_of(document, ("workloads", 1)) == 6
    assert line_of(document, ("workloads", 1, "model")) == 6  # the deepest part that is there
    assert line_of(document, ("budget",)) == 1


def test_merge_keys_give_way_to_the_mapping_s_own_keys() -> None:
    document = load("base: &base {region: eu-west-1, size: 2}\npool:\n  <<: *base\n  size: 4\n")
    assert document["pool"] == {"region": "eu-west-1", "size": 4}
    assert line_of(document, ("pool", "size")) == 4


@pytest.mark.parametrize(("text", "line", "message"), [
    ("a: 1\nb:\n  c: 2\n  c: 3\n", 4, "YAML error: key 'c' is given twice (first on line 3)"),
    ("a: !Ref b\n", 1, "YAML error: could not determine a constructor for the tag '!Ref'"),
    ("a: b: c\n", 1, "YAML syntax error: mapping values are not allowed in this context (':' at column 5)"),
    ("a: [1, 2\n", 2, "YAML syntax error: did not find expected ',' or ']'"),
    ("a: 1\n---\nb: 2\n", 2,
     "YAML syntax error: expected a single document in the stream but found another document ('-' at column 1)"),
])
def test_errors_name_the_line_and_what_is_wrong(text: str, line: int, message: str) -> None:
    with pytest.raises(YamlError) as caught:
        load(text)
    assert (caught.value.line, caught.value.message) == (line, message)


def test_an_empty_document_is_none() -> None:
    assert load("") is None
    assert load("# only a comment\n") is None


def plan_with_stack_config(tmp_path: Path, config_text: str) -> tuple[int, str]:
    """Exit code and stderr (line breaks undone) of planning BASE_STACK beside a `Pulumi.test-eu.yaml`."""
    (tmp_path / "Pulumi.yaml").write_text("name: skyweave\nruntime: python\n")
    (tmp_path / "Pulumi.test-eu.yaml").write_text(config_text)
    result = CliRunner().invoke(app, ["plan", str(write_stack(tmp_path, BASE_STACK))])
    return result.exit_code, " ".join(result.stderr.split())


def test_a_broken_pulumi_stack_config_is_bad_input_naming_its_line(tmp_path: Path) -> None:
    code, errors = plan_with_stack_config(tmp_path, "config:\n  aws:region: eu-west-1\n  aws:region: eu-west-2\n")
    assert code == 2
    assert f"{tmp_path / 'Pulumi.test-eu.yaml'}:3: <top>: YAML error: key 'aws:region' is given twice" in errors


def test_stack_config_settings_must_be_a_mapping(tmp_path: Path) -> None:
    code, errors = plan_with_stack_config(tmp_path, "encryptionsalt: x\nconfig:\n  - aws:region\n")
    assert code == 2
    assert f"{tmp_path / 'Pulumi.test-eu.yaml'}:2: config: settings are a mapping under `config:` (key: value)" in errors
