"""The one adapter from CrossGuard's `PolicyResource`s to skyweave's `PlannedResource`s.

The cost policies price resources with skyweave's own cost model (`skyweave.cost.estimate`), so the pack
under `pulumi preview` and the offline `skyweave check` agree to the cent. Properties are copied into
plain dicts, as the offline plan has them; a value unknown at preview becomes an `Unknown` that raises
`UnknownValueError` as soon as a pricing function uses it, so an unknown price input can never count as
zero silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from policies.props import is_list, is_map
from skyweave.plan import PlannedResource, place_components


class Unknown:
    """A property value unknown at preview; any use raises `UnknownValueError` naming where it was."""

    __slots__ = ("_error",)

    def __init__(self, error: UnknownValueError):
        self._error = error

    def _raise(self, *_: Any, **__: Any) -> NoReturn:
        raise self._error

    __bool__ = __int__ = __float__ = __index__ = __str__ = __format__ = __iter__ = __len__ = _raise
    __getitem__ = __contains__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _raise
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _raise

    def __getattr__(self, name: str) -> NoReturn:
        raise self._error

    def __repr__(self) -> str:
        return f"Unknown({self._error.message})"


def plain(value: Any, path: list[str]) -> Any:
    """A property value as plain data: proxies deep-copied into dicts/lists, unknowns turned into `Unknown`.

    The engine always hands proxies; a plain dict is the offline plan's own (`skyweave check`, `skyweave
    plan`), which holds neither proxies nor unknowns, so it is taken as it is."""
    if type(value) is dict:
        return value
    if is_map(value):
        return {key: _child(value, key, [*path, str(key)]) for key in value}
    if is_list(value):
        return [_child(value, index, [*path, str(index)]) for index in range(len(value))]
    return value


def _child(container: Any, key: Any, path: list[str]) -> Any:
    try:
        value = container[key]
    except UnknownValueError as exc:
        return Unknown(UnknownValueError(exc.unknown_type_sentinel, path))
    return plain(value, path)


def planned_resources(resources: Sequence[PolicyResource]) -> list[PlannedResource]:
    """`PlannedResource`s placed like the offline plan places them (provider region, then components)."""
    planned = []
    for r in resources:
        provider = r.provider
        is_provider = r.resource_type.startswith("pulumi:providers:")
        if is_provider:
            cloud, region = r.resource_type.rsplit(":", 1)[1], _region(r.props)
        elif provider is not None:
            cloud, region = provider.resource_type.rsplit(":", 1)[1], _region(provider.props)
        else:
            cloud, region = None, None
        parent = r.parent.urn if r.parent is not None else (r.opts.parent or "")
        planned.append(
            PlannedResource(
                urn=r.urn,
                type=r.resource_type,
                name=r.name,
                parent=parent,
                custom=is_provider or provider is not None,
                provider=provider.urn if provider is not None else "",
                cloud=cloud,
                region=region,
                inputs=plain(r.props, [r.name]),
                protect=bool(r.opts.protect),
            )
        )
    place_components(planned)
    return planned


def _region(props: Any) -> str | None:
    try:
        region = props.get("region")
    except UnknownValueError:
        return None
    return region if isinstance(region, str) else None
