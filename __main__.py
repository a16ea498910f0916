"""The Pulumi program: deploy the stack file of the selected Pulumi stack (stacks/<stack>.yaml)."""

import sys

import pulumi

from skyweave.errors import StackFileError
from skyweave.program import build
from skyweave.stackfile import load_stack

stack_file = pulumi.Config("skyweave").get("stackFile") or f"stacks/{pulumi.get_stack()}.yaml"
try:
    spec = load_stack(stack_file)
except StackFileError as exc:
    sys.exit(f"skyweave: {stack_file} is not a valid stack file:\n{exc}")
if spec.name != pulumi.get_stack():
    pulumi.log.warn(f"{stack_file} is named {spec.name!r} but the Pulumi stack is {pulumi.get_stack()!r}")
build(spec)
