"""Reads template.yaml, the single definition of our resources, for the local stack and the tests.

The YAML loader understands CloudFormation's short intrinsics (!Ref, !GetAtt, !Sub, ...) and keeps
them as small objects; `Resolver` turns them into the physical names and ARNs that the local stack
gave each resource, so tables, queues and subscriptions are created from exactly what AWS would
deploy and cannot drift from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


class TemplateError(ValueError):
    """template.yaml cannot be read or refers to something it does not define."""


@dataclass(frozen=True, slots=True)
class Intrinsic:
    name: str  # "Ref", "GetAtt", "Sub", ...
    value: Any


class _CfnLoader(yaml.SafeLoader):
    pass


def _intrinsic(name: str):
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Intrinsic:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return Intrinsic(name, value)

    return construct


for _name in ("Ref", "GetAtt", "Sub", "Join", "Select", "Split", "If", "Equals", "Not", "And", "Or",
              "FindInMap", "ImportValue", "GetAZs", "Condition", "Base64", "Cidr"):
    _CfnLoader.add_constructor(f"!{_name}", _intrinsic(_name))


def default_template_path() -> Path:
    """The project's template.yaml: beside the source tree, or shipped inside this package."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "template.yaml"
        if candidate.is_file():
            return candidate
    packaged = resources.files("gazette_local") / "template.yaml"
    return Path(str(packaged))


@cache
def load_template(path: str | None = None) -> dict[str, Any]:
    template_path = Path(path) if path else default_template_path()
    try:
        with template_path.open(encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass with intrinsics only
    except OSError as exc:
        raise TemplateError(f"cannot read {template_path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise TemplateError(f"{template_path} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or "Resources" not in data:
        raise TemplateError(f"{template_path} has no Resources section")
    return data


@dataclass
class Resolver:
    """Resolves intrinsics against the physical ids the local stack assigned."""

    region: str
    account: str
    parameters: dict[str, str]
    refs: dict[str, str] = field(default_factory=dict)  # logical id -> value of !Ref
    attrs: dict[tuple[str, str], str] = field(default_factory=dict)  # (logical id, attr) -> value

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Intrinsic):
            return self._intrinsic(value)
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value

    def _pseudo(self, name: str) -> str:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::StackName": "gazette-local",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        if "." in name:
            logical, attr = name.split(".", 1)
            if (logical, attr) in self.attrs:
                return self.attrs[(logical, attr)]
        raise TemplateError(f"template refers to {name}, which the local stack does not define")

    def _intrinsic(self, item: Intrinsic) -> Any:
        if item.name == "Ref":
            return self._pseudo(item.value)
        if item.name == "GetAtt":
            logical, attr = item.value
            try:
                return self.attrs[(logical, attr)]
            except KeyError:
                raise TemplateError(f"!GetAtt {logical}.{attr} is not known to the local stack") from None
        if item.name == "Sub":
            text, variables = (item.value, {}) if isinstance(item.value, str) else item.value
            variables = {key: self.resolve(val) for key, val in variables.items()}
            return re.sub(
                r"\$\{([^}]+)\}",
                lambda m: str(variables.get(m.group(1)) or self._pseudo(m.group(1))),
                text,
            )
        if item.name == "Join":
            separator, parts = item.value
            return separator.join(str(self.resolve(part)) for part in parts)
        raise TemplateError(f"!{item.name} is not supported by the local stack")


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical: definition
        for logical, definition in template["Resources"].items()
        if definition.get("Type") == resource_type
    }


def parameter_defaults(template: dict[str, Any]) -> dict[str, str]:
    return {
        name: str(spec.get("Default", ""))
        for name, spec in template.get("Parameters", {}).items()
    }


def function_environment(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """Globals' environment merged with the function's own, unresolved."""
    global_env = (
        template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    )
    own = template["Resources"][logical_id].get("Properties", {}).get("Environment", {})
    return {**global_env, **own.get("Variables", {})}
