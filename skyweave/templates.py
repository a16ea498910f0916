"""Stack templates that product teams fork: `skyweave new TEMPLATE --name NAME --set key=value`.

A template is `stacks/templates/<name>.yaml.j2` (a commented stack file with Jinja2 placeholders) and
`<name>.params.yaml` beside it, the one place that declares its parameters: type, default, help. Values
are rendered as YAML scalars, so a parameter can never inject keys. The rendered text is validated as the
plan would validate it (schema, catalog checks, hardware that fits every pool) before anything is written,
and existing files are never overwritten.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
import jinja2.meta
from pydantic import TypeAdapter, ValidationError

from skyweave.errors import StackFileError, allowed_list, did_you_mean
from skyweave.spec import Slug, StackSpec
from skyweave.yamlfile import YamlError, load

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "stacks" / "templates"
TEMPLATE_SUFFIX = ".yaml.j2"
PARAMS_SUFFIX = ".params.yaml"
STACKS_DIR = "stacks"
# Editors validate and complete stack files against the committed schema; the path is relative to the file.
SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=.*$", re.MULTILINE)
STACK_SCHEMA_LINE = "# yaml-language-server: $schema=../docs/stack-file.schema.json"
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@/+:-]*(?<!:)$")
_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}
PARAM_TYPES = ("string", "integer", "number", "boolean", "list")


class TemplateError(Exception):
    """Bad template name or parameters, or a template that renders an invalid stack; every problem at once."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Param(NamedTuple):
    """One parameter a template takes."""

    name: str
    type: str
    """string, integer, number, boolean or list (of strings; `--set k=a,b`)."""
    help: str
    default: Any
    choices: tuple[Any, ...] = ()
    """The only values allowed, when the template branches on the parameter."""

    def parse(self, raw: str) -> Any:
        """The typed value of `--set name=raw`; ValueError says what the type or the choices allow."""
        value = self._typed(raw)
        if self.choices and value not in self.choices:
            raise ValueError(f"given {raw!r}{did_you_mean(raw, map(str, self.choices))}; allowed: "
                             f"{', '.join(map(str, self.choices))}")
        return value

    def _typed(self, raw: str) -> Any:
        if self.type == "integer":
            try:
                return int(raw)
            except ValueError:
                raise ValueError(f"{raw!r} is not an integer") from None
        if self.type == "number":
            try:
                value = float(raw)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise ValueError(f"{raw!r} is not a number")
            return value
        if self.type == "boolean":
            if raw.lower() not in _BOOLEANS:
                raise ValueError(f"{raw!r} is not a boolean; use true or false")
            return _BOOLEANS[raw.lower()]
        if self.type == "list":
            return [item.strip() for item in raw.split(",") if item.strip()]
        return raw

    def describe(self) -> str:
        choices = f" (one of {', '.join(map(str, self.choices))})" if self.choices else ""
        return f"{self.type}, default {yaml_value(self.default)}{choices}"


class Template(NamedTuple):
    name: str
    description: str
    params: tuple[Param, ...]
    source: Path

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


class NewStack(NamedTuple):
    """A rendered, validated stack and its Pulumi stack settings, not yet written."""

    spec: StackSpec
    project_dir: Path
    stack_file: str
    """Path of the stack file inside the project, e.g. `stacks/search-prod.yaml`."""
    stack_text: str
    pulumi_text: str

    @property
    def stack_path(self) -> Path:
        return self.project_dir / self.stack_file

    @property
    def pulumi_path(self) -> Path:
        return self.project_dir / f"Pulumi.{self.spec.name}.yaml"


def yaml_value(value: Any) -> str:
    """A value as a YAML flow scalar or sequence that loads back to the same value (Jinja `finalize`)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_value(item) for item in value) + "]"
    text = str(value)
    # Plain only when YAML reads it back as this very string (not a bool, number, date or null).
    if _PLAIN.match(text) and load(text) == text:
        return text
    return '"' + "".join(_escape(char) for char in text) + '"'


def _escape(char: str) -> str:
    """One character inside a double-quoted YAML scalar; what YAML may not carry raw is escaped."""
    if char in '"\\':
        return "\\" + char
    code = ord(char)
    if code in (0x85, 0x2028, 0x2029) or not (0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF
                                               or 0xE000 <= code <= 0xFFFD or code >= 0x10000):
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return char


def _environment(directory: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
        finalize=yaml_value,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def _template_names(directory: Path) -> list[str]:
    return sorted(p.name.removesuffix(TEMPLATE_SUFFIX) for p in directory.glob(f"*{TEMPLATE_SUFFIX}"))


def list_templates(directory: Path = TEMPLATES_DIR) -> list[Template]:
    """Every template in the directory, by name."""
    return [load_template(name, directory) for name in _template_names(directory)]


def load_template(name: str, directory: Path = TEMPLATES_DIR) -> Template:
    """A template and its declared parameters; TemplateError names what is wrong."""
    source = directory / f"{name}{TEMPLATE_SUFFIX}"
    if not source.is_file():
        known = _template_names(directory)
        listed = allowed_list(known) or "none"
        raise TemplateError([f"no template {name!r}{did_you_mean(name, known)}; templates: {listed}"])
    params_file = directory / f"{name}{PARAMS_SUFFIX}"
    try:
        declared = load(params_file.read_text(encoding="utf-8"))
    except (OSError, YamlError) as exc:
        raise TemplateError([f"{params_file}: cannot read the parameters: {exc}"]) from None
    template = Template(name, str(declared.get("description", "")).strip(), _params(params_file, declared), source)
    _check_variables(template, directory)
    return template


def _params(params_file: Path, declared: dict[str, Any]) -> tuple[Param, ...]:
    params, problems = [], []
    for name, entry in (declared.get("params") or {}).items():
        kind, help_text = entry.get("type"), str(entry.get("help", "")).strip()
        if kind not in PARAM_TYPES:
            problems.append(f"{params_file}: {name}.type: given {kind!r}; allowed: {', '.join(PARAM_TYPES)}")
        if not help_text:
            problems.append(f"{params_file}: {name}.help: say what the parameter sets")
        if name == "name":
            problems.append(f"{params_file}: name: `name` is given with --name, not declared")
        param = Param(name, kind, help_text, entry.get("default"), tuple(entry.get("choices") or ()))
        if "default" not in entry:  # every template renders as it is: `skyweave new T --name N`
            problems.append(f"{params_file}: {name}.default: give a default")
        elif kind in PARAM_TYPES and not _of_type(param.default, kind):
            problems.append(f"{params_file}: {name}.default: {param.default!r} is not of type {kind}")
        elif param.choices and param.default not in param.choices:
            problems.append(f"{params_file}: {name}.default: {param.default!r} is not one of its choices")
        params.append(param)
    if problems:
        raise TemplateError(problems)
    return tuple(params)


def _of_type(value: Any, kind: str) -> bool:
    if kind == "list":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    expected = {"string": str, "integer": int, "number": int | float, "boolean": bool}[kind]
    return isinstance(value, expected) and (kind == "boolean") == isinstance(value, bool)


def _check_variables(template: Template, directory: Path) -> None:
    """Every placeholder is a declared parameter (or `name`) and every parameter is used."""
    environment = _environment(directory)
    source = template.source.read_text(encoding="utf-8")
    used = jinja2.meta.find_undeclared_variables(environment.parse(source))
    declared = {p.name for p in template.params} | {"name"}
    problems = [f"{template.source}: {{{{ {v} }}}} is not a declared parameter" for v in sorted(used - declared)]
    problems += [f"{template.source}: parameter {v!r} is declared but never used" for v in sorted(declared - used)]
    if problems:
        raise TemplateError(problems)


def parameter_values(template: Template, sets: Iterable[str]) -> dict[str, Any]:
    """Defaults overridden by `key=value` pairs, typed; every problem is reported at once."""
    values = {p.name: p.default for p in template.params}
    problems, names = [], [p.name for p in template.params]
    for pair in sets:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        param = template.param(key)
        if not sep:
            problems.append(f"--set {pair}: write key=value, e.g. --set team=search")
        elif key == "name":
            problems.append("--set name: the stack name is given with --name")
        elif param is None:
            problems.append(
                f"--set {key}: unknown parameter{did_you_mean(key, names)}; "
                f"{template.name} takes: {allowed_list(names, 40)}"
            )
        else:
            try:
                values[key] = param.parse(raw)
            except ValueError as exc:
                problems.append(f"--set {key}: {exc} (type {param.type})")
    if problems:
        raise TemplateError(problems)
    return values


def render(template: Template, name: str, values: dict[str, Any]) -> str:
    """The stack file the template gives for `name` and the parameter values (not validated)."""
    text = _environment(template.source.parent).get_template(template.source.name).render(name=name, **values)
    return SCHEMA_LINE.sub(lambda _: STACK_SCHEMA_LINE, text, count=1)


def new_stack(template_name: str, name: str, sets: Iterable[str] = (), project_dir: Path = Path("."),
              directory: Path = TEMPLATES_DIR) -> NewStack:
    """Render a template for a new environment and validate it; TemplateError if anything is wrong."""
    try:  # the stack's `name`, checked before it becomes part of a file path
        TypeAdapter(Slug).validate_python(name)
    except ValidationError:
        raise TemplateError([
            f"--name {name!r}: use lowercase letters, digits and '-', starting with a letter (2-40 characters)"
        ]) from None
    if not (project_dir / "Pulumi.yaml").is_file():
        raise TemplateError([f"{project_dir.resolve()} has no Pulumi.yaml: run skyweave new in the skyweave project "
                             "or pass --project-dir"])
    template = load_template(template_name, directory)
    sets = list(sets)
    text = render(template, name, parameter_values(template, sets))
    try:
        spec = validate(text, template.name)
    except TemplateError as exc:
        if sets:
            given = " ".join(f"--set {pair}" for pair in sets)
            exc.problems.append(f"the stack {template.name} renders with {given} is not valid; change those values")
        raise
    stack_file = f"{STACKS_DIR}/{name}.yaml"
    return NewStack(spec, project_dir, stack_file, text, pulumi_stack_settings(name, stack_file))


def validate(text: str, template_name: str) -> StackSpec:
    """Validate rendered text as the plan would: the stack-file checks, then hardware that fits every pool."""
    from skyweave.selector import SelectionError, select_stack
    from skyweave.stackfile import load_text

    try:
        spec = load_text(text, template_name)
    except StackFileError as exc:
        # Lines of a file that is never written would mislead: name the template and the field instead.
        problems = [f"template {template_name}: {p.path or '<top>'}: {p.message}" for p in exc.problems]
        raise TemplateError(problems) from None
    pools = [w for w in spec.workloads if w.kind != "serverless"]  # endpoints choose their own hardware
    try:
        select_stack(spec.model_copy(update={"workloads": pools}))
    except SelectionError as exc:
        raise TemplateError([f"template {template_name}: {exc}"]) from None
    return spec


def pulumi_stack_settings(name: str, stack_file: str) -> str:
    """`Pulumi.<name>.yaml`: the stack's config, pointing the program at its stack file."""
    return (
        f"# Pulumi stack {name}: deploys {stack_file}. Secrets go in with `pulumi config set --secret`.\n"
        "config:\n"
        f"  skyweave:stackFile: {yaml_value(stack_file)}\n"
    )


def write(new: NewStack) -> None:
    """Write both files; refuses (FileExistsError) when either exists, before writing anything."""
    for path in (new.stack_path, new.pulumi_path):
        if path.exists():
            raise FileExistsError(path)
    new.stack_path.parent.mkdir(parents=True, exist_ok=True)
    with new.stack_path.open("x", encoding="utf-8") as handle:
        handle.write(new.stack_text)
    with new.pulumi_path.open("x", encoding="utf-8") as handle:
        handle.write(new.pulumi_text)


def next_commands(new: NewStack) -> list[str]:
    """What the user runs next: the offline plan, the Pulumi stack and its config, then deploy.

    The offline plan reads the config from `Pulumi.<name>.yaml`, so a stack that needs config is planned
    once it is set; one that needs none is planned before anything else."""
    spec = new.spec
    config = [f"pulumi config set --secret skyweave:{key} <value>" for key in secret_config_keys(spec)]
    if "gcp" in spec.clouds and not spec.budget.gcp_billing_account:
        config.insert(0, "pulumi config set skyweave:gcpBillingAccount <billing account ID>")
    plan = f"skyweave plan {new.stack_file}"
    commands = [] if new.project_dir.resolve() == Path.cwd().resolve() else [f"cd {new.project_dir}"]
    init = f"pulumi stack init {spec.name}"
    commands += [init, *config, plan] if config else [plan, init]
    return [*commands, "pulumi preview --policy-pack policies", "pulumi up"]


def secret_config_keys(spec: StackSpec) -> list[str]:
    """Pulumi config keys (namespace `skyweave`) the stack reads secrets from."""
    gateway = spec.gateway
    if gateway is None:
        return []
    refs = [gateway.master_key, gateway.database_url, gateway.redis and gateway.redis.password]
    refs += [route.api_key for route in gateway.routes]
    return list(dict.fromkeys(ref.config for ref in refs if ref is not None and ref.config))
