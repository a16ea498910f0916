"""Reads the catalog CSVs shipped in ``skyweave/catalog/data``.

Empty cells mean "no source gave this number" and load as ``None``.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Iterator
from importlib import resources
from importlib.resources.abc import Traversable

from skyweave.catalog.catalog import Catalog
from skyweave.catalog.model import Offering, Region, UnitPrice

OFFERINGS_FILE = "offerings.csv"
ACCELERATORS_FILE = "accelerators.csv"
REGIONS_FILE = "regions.csv"
UNIT_PRICES_FILE = "unit_prices.csv"


class CatalogDataError(ValueError):
    """A catalog data file is malformed."""


def _rows(directory: Traversable, name: str) -> Iterator[dict[str, str]]:
    text = directory.joinpath(name).read_text(encoding="utf-8")
    yield from csv.DictReader(io.StringIO(text))


def _optional_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def read_offerings(directory: Traversable) -> list[Offering]:
    specs = {row["accelerator"]: row for row in _rows(directory, ACCELERATORS_FILE)}
    offerings = []
    for row in _rows(directory, OFFERINGS_FILE):
        spec = specs.get(row["accelerator"])
        if spec is None:
            raise CatalogDataError(
                f"{OFFERINGS_FILE}: accelerator {row['accelerator']!r} of {row['instance_type']} "
                f"is missing from {ACCELERATORS_FILE}"
            )
        offerings.append(
            Offering(
                cloud=row["cloud"],
                instance_type=row["instance_type"],
                family=row["family"],
                accelerator=row["accelerator"],
                accelerator_count=int(row["accelerator_count"]),
                accelerator_memory_gb=float(spec["memory_gb"]),
                accelerator_memory_bandwidth_gbps=_optional_float(spec["memory_bandwidth_gbps"]),
                vcpu=int(row["vcpu"]),
                ram_gb=float(row["ram_gb"]),
                region=row["region"],
                ondemand_usd_hr=_optional_float(row["ondemand_usd_hr"]),
                spot_usd_hr=_optional_float(row["spot_usd_hr"]),
                zones=tuple(row["zones"].split()),
                as_of=row["as_of"],
                source=row["source"],
            )
        )
    return offerings


def read_regions(directory: Traversable) -> list[Region]:
    return [
        Region(
            cloud=row["cloud"],
            name=row["name"],
            display_name=row["display_name"],
            city=row["city"],
            country=row["country"],
            jurisdiction=row["jurisdiction"],
            carbon_g_per_kwh=_optional_float(row["carbon_g_per_kwh"]),
            as_of=row["as_of"],
            source=row["source"],
            carbon_source=row["carbon_source"],
        )
        for row in _rows(directory, REGIONS_FILE)
    ]


def read_unit_prices(directory: Traversable) -> list[tuple[str, UnitPrice]]:
    if not directory.joinpath(UNIT_PRICES_FILE).is_file():
        return []
    return [
        (
            row["cloud"],
            UnitPrice(
                key=row["key"],
                region=row["region"],
                value=float(row["value"]),
                unit=row["unit"],
                as_of=row["as_of"],
                source=row["source"],
            ),
        )
        for row in _rows(directory, UNIT_PRICES_FILE)
    ]


def read_catalog(directory: Traversable) -> Catalog:
    """Build a catalog from the CSV files in ``directory`` (uncached)."""
    return Catalog(read_offerings(directory), read_regions(directory), read_unit_prices(directory))


@functools.cache
def load_catalog() -> Catalog:
    """The catalog shipped with skyweave, read once per process."""
    return read_catalog(resources.files("skyweave.catalog").joinpath("data"))
