"""On-demand EC2 prices from an AWS Price List bulk offer file (AmazonEC2, JSON).

File shape, as documented in "Reading the service price list file for an AWS
service" (AWS Billing user guide, docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/
reading-service-price-list-file-for-services.html)::

    {"offerCode": "AmazonEC2", "version": ..., "publicationDate": "2026-...Z",
     "products": {SKU: {"sku": SKU, "productFamily": "Compute Instance",
                        "attributes": {"instanceType", "regionCode", "operatingSystem",
                                       "tenancy", "preInstalledSw", "capacitystatus", ...}}},
     "terms": {"OnDemand": {SKU: {OFFER_TERM: {"priceDimensions":
                {RATE_CODE: {"unit": "Hrs", "pricePerUnit": {"USD": "1.0060000000"}}}}}}}}

The bulk files carry no spot prices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

# The capacity skyweave provisions: Linux, shared tenancy, no pre-installed software,
# billed as a running instance (not a reservation or a Capacity Block).
_WANTED_ATTRIBUTES = {
    "operatingSystem": "Linux",
    "tenancy": "Shared",
    "preInstalledSw": "NA",
    "capacitystatus": "Used",
}
# Present only in newer files; when present they must have these values.
_OPTIONAL_ATTRIBUTES = {"marketoption": "OnDemand", "operation": "RunInstances"}


class AwsOnDemandPrices(NamedTuple):
    """USD per hour keyed by (region, instance type), and the file's publication date."""

    prices: dict[tuple[str, str], float]
    as_of: str
    source: str


def _is_wanted(product: Mapping[str, Any], instance_types: frozenset[str] | None) -> bool:
    attributes = product.get("attributes", {})
    if not str(product.get("productFamily", "")).startswith("Compute Instance"):
        return False
    if instance_types is not None and attributes.get("instanceType") not in instance_types:
        return False
    if "regionCode" not in attributes:
        return False
    if any(attributes.get(name) != value for name, value in _WANTED_ATTRIBUTES.items()):
        return False
    return all(attributes.get(name, value) == value for name, value in _OPTIONAL_ATTRIBUTES.items())


def _hourly_usd(terms: Mapping[str, Any]) -> float | None:
    for term in terms.values():
        for dimension in term.get("priceDimensions", {}).values():
            if dimension.get("unit") == "Hrs" and "USD" in dimension.get("pricePerUnit", {}):
                return float(dimension["pricePerUnit"]["USD"])
    return None


def parse_aws_offer(offer: Mapping[str, Any], instance_types: Iterable[str] | None = None) -> AwsOnDemandPrices:
    """On-demand prices of ``instance_types`` (all when None) found in ``offer``.

    Zero prices (placeholders for types not sold on demand) are left out.
    """
    wanted_types = frozenset(instance_types) if instance_types is not None else None
    on_demand_terms = offer.get("terms", {}).get("OnDemand", {})
    prices: dict[tuple[str, str], float] = {}
    for sku in sorted(offer.get("products", {})):
        product = offer["products"][sku]
        if not _is_wanted(product, wanted_types):
            continue
        price = _hourly_usd(on_demand_terms.get(sku, {}))
        key = (product["attributes"]["regionCode"], product["attributes"]["instanceType"])
        if price and key not in prices:
            prices[key] = price
    published = str(offer.get("publicationDate", ""))[:10] or "undated"
    source = f"AWS Price List bulk offer file {offer.get('offerCode', 'AmazonEC2')} version {offer.get('version', '?')}"
    return AwsOnDemandPrices(prices=prices, as_of=published, source=source)


def parse_aws_offers(offers: Iterable[Mapping[str, Any]], instance_types: Iterable[str]) -> AwsOnDemandPrices | None:
    """The prices of several (regional) offer files together; None when there is no file."""
    wanted = frozenset(instance_types)
    parsed = [parse_aws_offer(offer, wanted) for offer in offers]
    if not parsed:
        return None
    prices: dict[tuple[str, str], float] = {}
    for part in parsed:
        prices.update(part.prices)
    return AwsOnDemandPrices(prices=prices, as_of=max(p.as_of for p in parsed), source=parsed[0].source)
