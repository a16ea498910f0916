"""Re-price the catalog's offerings from the clouds' public price sources.

The parsers (:mod:`refresh_aws`, :mod:`refresh_gcp`) are pure functions over parsed
JSON. This module merges their prices into a catalog, writes a complete set of
catalog CSVs, and holds skyweave's only network code (:func:`download_aws_offers`,
:func:`download_gcp_skus`), used when the user gives no downloaded files.

Merge rule: an offering whose on-demand price the source gives gets that price, the
source's ``as_of`` and ``source``, and the source's spot price; when the source has no
spot price (AWS bulk files never do) the previous spot price stays and the row's
source says where it came from. Offerings without an on-demand price in the source
stay exactly as they were.
"""

from __future__ import annotations

import csv
import json
import shutil
import urllib.parse
import urllib.request
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from skyweave.catalog.catalog import Catalog
from skyweave.catalog.loader import ACCELERATORS_FILE, OFFERINGS_FILE, REGIONS_FILE, UNIT_PRICES_FILE
from skyweave.catalog.model import Offering
from skyweave.catalog.refresh_aws import AwsOnDemandPrices
from skyweave.catalog.refresh_gcp import ON_DEMAND, SPOT, GcpSkuRates, machine_price

AWS_PRICING_HOST = "https://pricing.us-east-1.amazonaws.com"
AWS_REGION_OFFER_URL = AWS_PRICING_HOST + "/offers/v1.0/aws/AmazonEC2/current/{region}/index.json"
GCP_COMPUTE_SKUS_URL = "https://cloudbilling.googleapis.com/v1/services/6F81-5844-456A/skus"
_KEPT_SPOT = "; spot kept from the previous catalog"

OFFERING_COLUMNS = (
    "cloud", "instance_type", "family", "accelerator", "accelerator_count", "vcpu", "ram_gb", "region",
    "ondemand_usd_hr", "spot_usd_hr", "zones", "as_of", "source",
)  # fmt: skip


def _kept_spot_note(offering: Offering) -> str:
    """Where a kept spot price came from, carried over unchanged across refreshes."""
    if _KEPT_SPOT in offering.source:
        return _KEPT_SPOT + offering.source.split(_KEPT_SPOT, 1)[1]
    return f"{_KEPT_SPOT} ({offering.as_of}): {offering.source}"


def _repriced(offering: Offering, ondemand: float | None, spot: float | None, as_of: str, source: str) -> Offering:
    if ondemand is None:
        return offering
    if spot is None and offering.spot_usd_hr is not None:
        source += _kept_spot_note(offering)
        spot = offering.spot_usd_hr
    return offering._replace(ondemand_usd_hr=ondemand, spot_usd_hr=spot, as_of=as_of, source=source)


def refresh_offerings(
    catalog: Catalog, aws: AwsOnDemandPrices | None = None, gcp: GcpSkuRates | None = None
) -> tuple[tuple[Offering, ...], int]:
    """Offerings re-priced from the given sources, and how many changed."""
    refreshed = []
    for offering in catalog.offerings:
        updated = offering
        if aws is not None and offering.cloud == "aws":
            price = aws.prices.get((offering.region, offering.instance_type))
            updated = _repriced(offering, price, None, aws.as_of, aws.source)
        elif gcp is not None and offering.cloud == "gcp":
            updated = _repriced(
                offering,
                machine_price(gcp, offering, ON_DEMAND),
                machine_price(gcp, offering, SPOT),
                gcp.as_of,
                gcp.source,
            )
        refreshed.append(updated)
    changed = sum(1 for old, new in zip(catalog.offerings, refreshed) if old is not new)
    return tuple(refreshed), changed


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return " ".join(value)
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def write_catalog_files(offerings: Iterable[Offering], out_dir: Path) -> Path:
    """Write ``offerings.csv`` plus copies of the other shipped catalog files into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shipped = resources.files("skyweave.catalog").joinpath("data")
    for name in (ACCELERATORS_FILE, REGIONS_FILE, UNIT_PRICES_FILE):
        with resources.as_file(shipped.joinpath(name)) as path:
            shutil.copyfile(path, out_dir / name)
    target = out_dir / OFFERINGS_FILE
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(OFFERING_COLUMNS)
        for offering in offerings:
            writer.writerow([_cell(getattr(offering, column)) for column in OFFERING_COLUMNS])
    return target


def read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


# --- network: only used when the user did not pass downloaded files -------------------


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=300) as response:  # noqa: S310 - fixed https URLs
        return json.load(response)


def download_aws_offers(regions: Iterable[str]) -> list[Any]:
    """The current AmazonEC2 offer file of each region (hundreds of MB each)."""
    return [_get_json(AWS_REGION_OFFER_URL.format(region=region)) for region in sorted(set(regions))]


def download_gcp_skus(api_key: str) -> dict[str, list[Any]]:
    """Every Compute Engine SKU, all pages merged into one ``{"skus": [...]}`` document."""
    skus: list[Any] = []
    page_token = ""
    while True:
        query = {"key": api_key, "currencyCode": "USD", "pageSize": "5000"}
        if page_token:
            query["pageToken"] = page_token
        page = _get_json(f"{GCP_COMPUTE_SKUS_URL}?{urllib.parse.urlencode(query)}")
        skus.extend(page.get("skus", []))
        page_token = page.get("nextPageToken", "")
        if not page_token:
            return {"skus": skus}
