"""Compute Engine machine prices from Cloud Billing Catalog API SKUs.

SKU shape (``services.skus.list`` of the Cloud Billing Catalog API, as recorded in
Cyclenerd/google-cloud-pricing-cost-calculator build/notes/api/v1/skus.json)::

    {"skus": [{"skuId": ..., "description": "G2 Instance Core running in Americas",
               "category": {"resourceGroup": "CPU", "usageType": "OnDemand"},
               "serviceRegions": ["us-central1", ...],
               "pricingInfo": [{"effectiveTime": "...",
                                "pricingExpression": {"usageUnit": "h",
                                    "tieredRates": [{"startUsageAmount": 0,
                                        "unitPrice": {"units": "0", "nanos": 24988000}}]}}]}]}

GCP bills an accelerator-optimized VM as vCPU + memory + GPUs + bundled Local SSD,
each a separate SKU; N1 hosts are billed the same way with the GPUs attached.
Spot SKUs have ``usageType`` "Preemptible".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from skyweave.catalog.model import Offering

HOURS_PER_MONTH = 730  # GCP's convention for monthly-priced SKUs
ON_DEMAND, SPOT = "OnDemand", "Preemptible"

# Description markers (after SKU descriptions listed in Cyclenerd's build/mapping.csv).
# family -> (machine series as named in core/RAM SKUs, GPU marker)
FAMILY_SKU_MARKERS = {
    "g2-standard": ("G2", "L4 GPU"),
    "a2-highgpu": ("A2", "A100 GPU"),
    "a2-megagpu": ("A2", "A100 GPU"),
    "a2-ultragpu": ("A2", "A100 80GB GPU"),
    "a3-highgpu": ("A3", "H100 80GB GPU"),
    "a3-megagpu": ("A3", "H100 80GB Mega GPU"),
    "n1-t4": ("N1 Predefined", "T4 GPU"),
}
# Local SSD that comes with the machine type and is billed with it (GB), per the GCP
# accelerator-optimized machine documentation as tabulated by Cyclenerd's pricing.yml.
BUNDLED_LOCAL_SSD_GB = {
    "a2-ultragpu-1g": 375, "a2-ultragpu-2g": 750, "a2-ultragpu-4g": 1500, "a2-ultragpu-8g": 3000,
    "a3-highgpu-1g": 750, "a3-highgpu-2g": 1500, "a3-highgpu-4g": 3000, "a3-highgpu-8g": 6000,
    "a3-megagpu-8g": 6000,
}  # fmt: skip
LOCAL_SSD_MARKER = "SSD backed Local Storage"
# SKUs for other purchase models that share the markers above.
_EXCLUDED_WORDS = ("commitment", "custom", "sole tenancy", "reserved", "dws", "calendar", "flex")
_GROUPS = {"core": ("CPU", "N1Standard"), "ram": ("RAM", "N1Standard"), "gpu": ("GPU",), "ssd": ("LocalSSD",)}
_HOURLY_FACTOR = {"h": 1.0, "GiBy.h": 1.0, "GiBy.mo": 1 / HOURS_PER_MONTH}


class _Rate(NamedTuple):
    description: str
    group: str
    usage: str
    regions: frozenset[str]
    usd_per_hour: float  # per unit (vCPU, GiB or GPU) and hour
    effective: str


class GcpSkuRates(NamedTuple):
    """The Compute Engine SKU rates skyweave prices machines with."""

    rates: tuple[_Rate, ...]
    as_of: str
    source: str

    def rate(self, kind: str, marker: str, usage: str, region: str) -> float | None:
        marker = marker.lower()
        for rate in self.rates:
            if (
                rate.usage == usage
                and rate.group in _GROUPS[kind]
                and region in rate.regions
                and marker in rate.description
            ):
                return rate.usd_per_hour
        return None


def _unit_price(sku: Mapping[str, Any]) -> tuple[float, str] | None:
    info = (sku.get("pricingInfo") or [{}])[0]
    expression = info.get("pricingExpression", {})
    factor = _HOURLY_FACTOR.get(expression.get("usageUnit", ""))
    tiers = sorted(expression.get("tieredRates", []), key=lambda tier: tier.get("startUsageAmount", 0))
    if factor is None or not tiers:
        return None
    price = tiers[0]["unitPrice"]
    usd = int(price.get("units") or 0) + int(price.get("nanos") or 0) / 1e9
    return usd * factor, str(info.get("effectiveTime", ""))[:10]


def parse_gcp_skus(document: Mapping[str, Any]) -> GcpSkuRates:
    """The usable rates in a ``{"skus": [...]}`` document (one or several pages merged)."""
    rates = []
    for sku in document.get("skus", []):
        description = str(sku.get("description", "")).lower()
        category = sku.get("category", {})
        if category.get("usageType") not in (ON_DEMAND, SPOT):
            continue
        if any(word in description for word in _EXCLUDED_WORDS):
            continue
        priced = _unit_price(sku)
        if priced is None:
            continue
        rates.append(
            _Rate(
                description=description,
                group=str(category.get("resourceGroup", "")),
                usage=category["usageType"],
                regions=frozenset(sku.get("serviceRegions", [])),
                usd_per_hour=priced[0],
                effective=priced[1],
            )
        )
    effective = [r.effective for r in rates if r.effective]
    return GcpSkuRates(
        rates=tuple(rates),
        as_of=max(effective, default="undated"),
        source="Cloud Billing Catalog API, Compute Engine SKUs (vCPU + RAM + GPU + bundled Local SSD)",
    )


def machine_price(rates: GcpSkuRates, offering: Offering, usage: str) -> float | None:
    """USD/h of the whole machine for ``usage`` (ON_DEMAND or SPOT), or None when a part is unpriced."""
    markers = FAMILY_SKU_MARKERS.get(offering.family)
    if markers is None:
        return None
    series, gpu_marker = markers
    parts = [
        (rates.rate("core", f"{series} Instance Core", usage, offering.region), offering.vcpu),
        (rates.rate("ram", f"{series} Instance Ram", usage, offering.region), offering.ram_gb),
        (rates.rate("gpu", gpu_marker, usage, offering.region), offering.accelerator_count),
    ]
    local_ssd_gb = BUNDLED_LOCAL_SSD_GB.get(offering.machine_type, 0)
    if local_ssd_gb:
        parts.append((rates.rate("ssd", LOCAL_SSD_MARKER, usage, offering.region), local_ssd_gb))
    if any(rate is None for rate, _ in parts):
        return None
    return round(sum(rate * quantity for rate, quantity in parts), 6)
