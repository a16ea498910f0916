"""The in-memory catalog and its queries.

Jurisdictions: a region's ``jurisdiction`` is ``eu`` for EU member states, ``eea``
for Iceland, Liechtenstein and Norway, otherwise its lowercase ISO country code
(``uk``, ``ch``, ``us``, ...). :func:`jurisdictions_of` widens that so a stack
that asks for ``eea`` residency accepts ``eu`` regions, never the reverse.

Accelerator filters match whole words of the accelerator name, case-insensitively:
``h100`` matches "NVIDIA H100", ``a100`` matches both A100 sizes, ``a100 80gb``
only one, and ``l4`` does not match "NVIDIA L40S".

Unit price lookup (:meth:`Catalog.unit_price`) tries, in order:
1. the price listed for the requested region;
2. a price listed for region ``global`` (the service costs the same everywhere);
3. among the cloud's listed regions in the requested region's jurisdiction, one in
   the same country if any, else the highest price in that jurisdiction
   (a conservative estimate);
4. the cloud's US baseline region (aws ``us-east-1``, gcp ``us-central1``).
The returned ``UnitPrice.region`` names the region whose price was used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from skyweave.catalog.model import Offering, Region, UnitPrice

US_BASELINE_REGION = {"aws": "us-east-1", "gcp": "us-central1"}
GLOBAL_REGION = "global"
_DATED = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_WORD = re.compile(r"[a-z0-9]+")


def jurisdictions_of(region: Region) -> frozenset[str]:
    """Every residency requirement the region satisfies (``eu`` regions also satisfy ``eea``)."""
    if region.jurisdiction in ("eu", "eea"):
        return frozenset({region.jurisdiction, "eea"})
    return frozenset({region.jurisdiction})


def accelerator_matches(accelerator: str, query: str) -> bool:
    """True when the words of ``query`` appear consecutively in ``accelerator``."""
    wanted = _WORD.findall(query.lower())
    words = _WORD.findall(accelerator.lower())
    if not wanted:
        return False
    return any(words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1))


class Catalog:
    """Offerings, regions and unit prices, with lookups used by the selector and the CLI."""

    def __init__(
        self,
        offerings: Iterable[Offering],
        regions: Iterable[Region],
        unit_prices: Iterable[tuple[str, UnitPrice]],
    ) -> None:
        self.offerings: tuple[Offering, ...] = tuple(offerings)
        self._regions = tuple(sorted(regions, key=lambda r: (r.cloud, r.name)))
        self._unit_prices = tuple(unit_prices)
        self._region_index = {(r.cloud, r.name): r for r in self._regions}
        self._offering_index = {(o.cloud, o.region, o.instance_type): o for o in self.offerings}
        self._price_index = {(cloud, p.key, p.region): p for cloud, p in self._unit_prices}
        self._instance_types: dict[str, frozenset[str]] = {}
        dated = [
            record.as_of
            for record in (*self.offerings, *self._regions, *(p for _, p in self._unit_prices))
            if _DATED.match(record.as_of)
        ]
        self.as_of: str = max(dated, default="undated")

    @property
    def unit_prices(self) -> tuple[tuple[str, UnitPrice], ...]:
        """``(cloud, UnitPrice)`` pairs as listed in the data."""
        return self._unit_prices

    def region(self, cloud: str, name: str) -> Region | None:
        return self._region_index.get((cloud, name))

    def regions(self, cloud: str | None = None) -> tuple[Region, ...]:
        return tuple(r for r in self._regions if cloud is None or r.cloud == cloud)

    def regions_in(self, jurisdiction: str, cloud: str | None = None) -> tuple[Region, ...]:
        wanted = jurisdiction.lower()
        return tuple(r for r in self.regions(cloud) if wanted in jurisdictions_of(r))

    def offering(self, cloud: str, region: str, instance_type: str) -> Offering | None:
        return self._offering_index.get((cloud, region, instance_type))

    def offerings_for(
        self, cloud: str | None = None, region: str | None = None, accelerator: str | None = None
    ) -> tuple[Offering, ...]:
        return tuple(
            o
            for o in self.offerings
            if (cloud is None or o.cloud == cloud)
            and (region is None or o.region == region)
            and (accelerator is None or accelerator_matches(o.accelerator, accelerator))
        )

    def instance_types(self, cloud: str) -> frozenset[str]:
        if cloud not in self._instance_types:  # once per cloud: a stack check asks for every pinned workload
            self._instance_types[cloud] = frozenset(o.instance_type for o in self.offerings if o.cloud == cloud)
        return self._instance_types[cloud]

    def accelerators(self) -> tuple[str, ...]:
        """Accelerator names present in the offerings, sorted."""
        return tuple(sorted({o.accelerator for o in self.offerings}))

    def unit_price(self, cloud: str, service_key: str, region: str) -> UnitPrice | None:
        exact = self._price_index.get((cloud, service_key, region)) or self._price_index.get(
            (cloud, service_key, GLOBAL_REGION)
        )
        if exact is not None:
            return exact
        wanted = self.region(cloud, region)
        if wanted is not None:
            same_jurisdiction = [
                (self._region_index[(cloud, p.region)], p)
                for c, p in self._unit_prices
                if c == cloud
                and p.key == service_key
                and (cloud, p.region) in self._region_index
                and self._region_index[(cloud, p.region)].jurisdiction == wanted.jurisdiction
            ]
            same_country = [p for r, p in same_jurisdiction if r.country == wanted.country]
            candidates = same_country or [p for _, p in same_jurisdiction]
            if candidates:
                return max(candidates, key=lambda p: (p.value, p.region))
        baseline = US_BASELINE_REGION.get(cloud)
        return self._price_index.get((cloud, service_key, baseline)) if baseline else None
