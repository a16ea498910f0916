"""A user's negotiated prices layered over the catalog's list prices.

``discount_pct`` lowers every on-demand and spot price by that percentage (an
enterprise discount applies to all usage). ``overrides`` set the on-demand USD/h
of an instance type, keyed ``"<cloud>:<instance_type>"`` for every region or
``"<cloud>:<region>:<instance_type>"`` for one; a regional key wins over a
cloud-wide one, and an overridden price is taken as final (no discount on top).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from skyweave.catalog.catalog import Catalog
from skyweave.catalog.model import Offering


def _check_override_key(catalog: Catalog, key: str) -> tuple[str, str | None, str]:
    parts = key.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise ValueError(
            f"price book override {key!r}: expected '<cloud>:<instance_type>' or '<cloud>:<region>:<instance_type>'"
        )
    cloud, region, instance_type = (parts[0], None, parts[1]) if len(parts) == 2 else parts
    known = catalog.instance_types(cloud)
    if instance_type not in known:
        close = difflib.get_close_matches(instance_type, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"price book override {key!r}: no {cloud!r} instance type {instance_type!r}{hint}")
    if region is not None and catalog.offering(cloud, region, instance_type) is None:
        raise ValueError(f"price book override {key!r}: {instance_type} is not offered in {cloud} region {region!r}")
    return cloud, region, instance_type


def _discounted(price: float | None, factor: float) -> float | None:
    return None if price is None else round(price * factor, 6)


def apply_price_book(
    catalog: Catalog, discount_pct: float | None, overrides: Mapping[str, float] | None
) -> Catalog:
    """A catalog whose offering prices follow the price book (``catalog`` itself when the book is empty);
    ``catalog`` is never changed."""
    if discount_pct is not None and not 0 <= discount_pct < 100:
        raise ValueError(f"price book discount_pct must be in [0, 100), got {discount_pct}")
    if not discount_pct and not overrides:
        return catalog
    regional: dict[tuple[str, str, str], float] = {}
    cloud_wide: dict[tuple[str, str], float] = {}
    for key, price in (overrides or {}).items():
        if price <= 0:
            raise ValueError(f"price book override {key!r}: price must be positive, got {price}")
        cloud, region, instance_type = _check_override_key(catalog, key)
        if region is None:
            cloud_wide[(cloud, instance_type)] = float(price)
        else:
            regional[(cloud, region, instance_type)] = float(price)

    factor = 1 - (discount_pct or 0) / 100

    def priced(offering: Offering) -> Offering:
        override = regional.get((offering.cloud, offering.region, offering.instance_type))
        if override is None:
            override = cloud_wide.get((offering.cloud, offering.instance_type))
        if override is not None:
            return offering._replace(
                ondemand_usd_hr=override,
                spot_usd_hr=_discounted(offering.spot_usd_hr, factor),
                source=f"{offering.source}; on-demand from the user's price book",
            )
        if not discount_pct:
            return offering
        return offering._replace(
            ondemand_usd_hr=_discounted(offering.ondemand_usd_hr, factor),
            spot_usd_hr=_discounted(offering.spot_usd_hr, factor),
            source=f"{offering.source}; price book discount {discount_pct:g}%",
        )

    return Catalog((priced(o) for o in catalog.offerings), catalog.regions(), catalog.unit_prices)
