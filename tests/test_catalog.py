"""The shipped catalog: data integrity, the query API, the price book and `skyweave catalog`."""

from __future__ import annotations

import json
import re
import time

import pytest
from typer.testing import CliRunner

from skyweave.catalog import (
    Catalog,
    Offering,
    Region,
    UnitPrice,
    apply_price_book,
    jurisdictions_of,
    load_catalog,
)
from skyweave.catalog.cli import JSON_KEYS, app
from skyweave.catalog.loader import read_catalog

ISO_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
REQUIRED_FAMILIES = {
    "aws": {"g4dn", "g5", "g6", "g6e", "p4d", "p4de", "p5", "p5e", "p5en", "inf2", "trn1"},
    "gcp": {"g2-standard", "a2-highgpu", "a2-ultragpu", "a2-megagpu", "a3-highgpu", "a3-megagpu", "a3-ultragpu", "n1-t4"},
}


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def _plain(text: str) -> str:
    """CLI error text without the box drawing and line wrapping of the terminal renderer."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


# --- data integrity -------------------------------------------------------------------


def test_no_duplicate_offerings(cat: Catalog) -> None:
    keys = [(o.cloud, o.region, o.instance_type) for o in cat.offerings]
    assert len(keys) == len(set(keys))
    assert len(keys) == 1046


def test_every_price_present_is_positive(cat: Catalog) -> None:
    # Spot is NOT required to be below on-demand: in tight AZs spot can equal on-demand.
    for o in cat.offerings:
        for price in (o.ondemand_usd_hr, o.spot_usd_hr):
            assert price is None or price > 0, o
    for _, price in cat.unit_prices:
        assert price.value >= 0, price  # AWS Budgets monitoring is listed at 0.00


def test_every_offering_region_exists_with_a_jurisdiction(cat: Catalog) -> None:
    for o in cat.offerings:
        region = cat.region(o.cloud, o.region)
        assert region is not None, o
        assert region.jurisdiction and region.jurisdiction == region.jurisdiction.lower()


def test_every_record_has_as_of_and_source(cat: Catalog) -> None:
    records = [*cat.offerings, *cat.regions(), *(p for _, p in cat.unit_prices)]
    for record in records:
        assert ISO_DATE.match(record.as_of) or record.as_of == "undated", record
        assert record.source, record
    assert cat.as_of == "2026-08-17"


def test_required_families_present(cat: Catalog) -> None:
    for cloud, families in REQUIRED_FAMILIES.items():
        assert families <= {o.family for o in cat.offerings_for(cloud=cloud)}


def test_specs_of_known_offerings(cat: Catalog) -> None:
    g5 = cat.offering("aws", "us-east-1", "g5.xlarge")
    assert (g5.ondemand_usd_hr, g5.spot_usd_hr) == (1.006, 0.4886)
    assert (g5.accelerator, g5.accelerator_count, g5.accelerator_memory_gb) == ("NVIDIA A10G", 1, 24.0)
    assert (g5.accelerator_memory_bandwidth_gbps, g5.vcpu, g5.ram_gb) == (600.0, 4, 16.0)
    assert g5.zones == ()  # no source names AWS zones

    p5 = cat.offering("aws", "us-east-1", "p5.48xlarge")
    assert (p5.accelerator, p5.total_accelerator_memory_gb, p5.ondemand_usd_hr) == ("NVIDIA H100", 640.0, 55.04)

    a3 = cat.offering("gcp", "us-central1", "a3-highgpu-8g")
    assert (a3.accelerator, a3.accelerator_memory_bandwidth_gbps, a3.ondemand_usd_hr) == ("NVIDIA H100", 3350.0, 88.49)

    h200 = cat.offering("gcp", "us-central1", "a3-ultragpu-8g")
    assert (h200.ondemand_usd_hr, h200.spot_usd_hr, h200.accelerator_memory_gb) == (None, None, 141.0)

    g2 = cat.offering("gcp", "europe-west4", "g2-standard-4")
    assert g2.ondemand_usd_hr == 0.742916 and g2.zones == ("europe-west4-a", "europe-west4-b", "europe-west4-c")


def test_bandwidth_of_every_accelerator(cat: Catalog) -> None:
    bandwidth = {o.accelerator: o.accelerator_memory_bandwidth_gbps for o in cat.offerings}
    assert bandwidth == {
        "NVIDIA T4": 320.0, "NVIDIA A10G": 600.0, "NVIDIA L4": 300.0, "NVIDIA L40S": 864.0,
        "NVIDIA A100 40GB": 1555.0, "NVIDIA A100 80GB": 2039.0, "NVIDIA H100": 3350.0, "NVIDIA H200": 4800.0,
        "AWS Inferentia2": 820.0, "AWS Trainium": 820.0,
    }  # fmt: skip


def test_n1_with_attached_t4_is_priced_as_a_whole_machine(cat: Catalog) -> None:
    host_and_two = cat.offering("gcp", "us-central1", "n1-standard-8+nvidia-tesla-t4x2")
    # host 0.379998 + 2 x T4 0.35, spot host 0.13402 + 2 x 0.14
    assert (host_and_two.ondemand_usd_hr, host_and_two.spot_usd_hr) == (1.079998, 0.41402)
    assert host_and_two.machine_type == "n1-standard-8"
    assert host_and_two.attached_accelerator == ("nvidia-tesla-t4", 2)
    assert host_and_two.accelerator_count == 2 and host_and_two.vcpu == 8
    assert cat.offering("gcp", "us-central1", "g2-standard-4").attached_accelerator is None


def test_load_is_fast_and_cached() -> None:
    timings = []
    for _ in range(3):  # best of three, so one slow moment on a busy machine does not fail it
        load_catalog.cache_clear()
        start = time.perf_counter()
        first = load_catalog()
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.05
    assert load_catalog() is first


# --- regions and jurisdictions --------------------------------------------------------


def test_eea_includes_eu_but_eu_excludes_uk_and_switzerland(cat: Catalog) -> None:
    eu = {r.name for r in cat.regions_in("eu")}
    eea = {r.name for r in cat.regions_in("eea")}
    assert {"eu-west-1", "eu-central-1", "europe-west4", "europe-north1"} <= eu
    assert eu <= eea
    for outside in ("eu-west-2", "europe-west2", "eu-central-2", "europe-west6"):
        assert outside not in eu and outside not in eea
    assert cat.region("aws", "eu-west-2").jurisdiction == "uk"
    assert cat.region("gcp", "europe-west6").jurisdiction == "ch"
    assert {r.cloud for r in cat.regions_in("eu", cloud="gcp")} == {"gcp"}


def test_jurisdictions_of() -> None:
    def region(jurisdiction: str) -> Region:
        return Region("aws", "x", "x", "x", "XX", jurisdiction, None, "2026-01-31", "test")

    assert jurisdictions_of(region("eu")) == {"eu", "eea"}
    assert jurisdictions_of(region("eea")) == {"eea"}
    assert jurisdictions_of(region("uk")) == {"uk"}


def test_region_details_and_carbon(cat: Catalog) -> None:
    frankfurt = cat.region("aws", "eu-central-1")
    assert (frankfurt.city, frankfurt.country, frankfurt.jurisdiction, frankfurt.carbon_g_per_kwh) == (
        "Frankfurt", "DE", "eu", 311.0,
    )  # fmt: skip
    assert cat.region("gcp", "europe-north2").carbon_g_per_kwh == 19.39
    assert cat.region("aws", "ap-east-2").carbon_g_per_kwh is None  # no public factor
    assert len(cat.regions("aws")) == 36 and len(cat.regions("gcp")) == 43
    assert cat.region("gcp", "nowhere-1") is None


# --- queries --------------------------------------------------------------------------


def test_offerings_for_filters(cat: Catalog) -> None:
    l4 = cat.offerings_for(accelerator="l4")
    assert {o.accelerator for o in l4} == {"NVIDIA L4"}  # not "NVIDIA L40S"
    assert {o.accelerator for o in cat.offerings_for(accelerator="A100")} == {"NVIDIA A100 40GB", "NVIDIA A100 80GB"}
    both = cat.offerings_for(cloud="aws", region="us-east-1", accelerator="nvidia h100")
    assert [o.instance_type for o in both] == ["p5.4xlarge", "p5.48xlarge"]
    assert "g6e.xlarge" in cat.instance_types("aws") and "g6e.xlarge" not in cat.instance_types("gcp")


def test_unit_prices_direct_global_and_fallback(cat: Catalog) -> None:
    s3 = cat.unit_price("aws", "s3_standard_gb_month", "us-east-1")
    assert (s3.value, s3.region, s3.unit) == (0.023, "us-east-1", "USD per GB-month")
    kms = cat.unit_price("aws", "kms_key_month", "eu-west-3")
    assert (kms.value, kms.region) == (1.0, "global")
    # eu-west-3 (Paris) has no listed S3 price: highest listed EU price (Frankfurt).
    assert cat.unit_price("aws", "s3_standard_gb_month", "eu-west-3").region == "eu-central-1"
    # europe-west10 (Berlin) falls back to the same country first (Frankfurt).
    gcs = cat.unit_price("gcp", "gcs_standard_gb_month", "europe-west10")
    assert (gcs.value, gcs.region) == (0.023, "europe-west3")
    # No listed price in the jurisdiction: the US baseline.
    run = cat.unit_price("gcp", "cloudrun_l4_gpu_second", "asia-northeast1")
    assert (run.value, run.region) == (0.0001867, "us-central1")
    assert cat.unit_price("aws", "sagemaker_serverless_gb_second", "eu-west-1").region == "us-east-1"
    assert cat.unit_price("gcp", "gcs_standard_gb_month", "EU").value == 0.026
    assert cat.unit_price("aws", "no_such_service", "us-east-1") is None


# --- price book -----------------------------------------------------------------------


def test_price_book_discount(cat: Catalog) -> None:
    booked = apply_price_book(cat, 10, {})
    g5 = booked.offering("aws", "us-east-1", "g5.xlarge")
    assert (g5.ondemand_usd_hr, g5.spot_usd_hr) == (0.9054, 0.43974)
    assert "price book discount 10%" in g5.source
    assert cat.offering("aws", "us-east-1", "g5.xlarge").ondemand_usd_hr == 1.006  # original untouched
    assert booked.offering("gcp", "us-central1", "a3-ultragpu-8g").ondemand_usd_hr is None


def test_price_book_overrides_regional_wins(cat: Catalog) -> None:
    booked = apply_price_book(cat, 20, {"aws:g5.xlarge": 0.8, "aws:eu-west-1:g5.xlarge": 0.95})
    assert booked.offering("aws", "us-east-1", "g5.xlarge").ondemand_usd_hr == 0.8
    assert booked.offering("aws", "eu-west-1", "g5.xlarge").ondemand_usd_hr == 0.95
    assert booked.offering("aws", "us-east-1", "g5.2xlarge").ondemand_usd_hr == round(1.212 * 0.8, 6)
    assert len(booked.offerings) == len(cat.offerings)


@pytest.mark.parametrize(
    ("discount", "overrides", "message"),
    [
        (100, {}, "discount_pct"),
        (None, {"aws:g5.xlarg": 1.0}, "did you mean 'g5.xlarge'"),
        (None, {"g5.xlarge": 1.0}, "expected '<cloud>:<instance_type>'"),
        (None, {"aws:ap-east-1:p5.48xlarge": 1.0}, "not offered in aws region 'ap-east-1'"),
        (None, {"aws:g5.xlarge": 0}, "must be positive"),
    ],
)
def test_price_book_rejects_bad_input(cat: Catalog, discount, overrides, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        apply_price_book(cat, discount, overrides)


# --- CLI ------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_json_rows_and_filters() -> None:
    result = runner.invoke(app, ["--cloud", "aws", "--region", "us-east-1", "--accelerator", "a10g", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert all(tuple(row) == JSON_KEYS for row in rows)
    assert JSON_KEYS == (
        "cloud", "region", "instance_type", "accelerator", "accelerator_count", "accelerator_memory_gb",
        "ondemand_usd_hr", "spot_usd_hr", "zones", "as_of",
    )  # fmt: skip
    assert {row["instance_type"] for row in rows} == {f"g5.{size}" for size in
                                                      ("xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge",
                                                       "16xlarge", "24xlarge", "48xlarge")}  # fmt: skip
    xl = next(row for row in rows if row["instance_type"] == "g5.xlarge")
    assert xl == {
        "cloud": "aws", "region": "us-east-1", "instance_type": "g5.xlarge", "accelerator": "NVIDIA A10G",
        "accelerator_count": 1, "accelerator_memory_gb": 24.0, "ondemand_usd_hr": 1.006, "spot_usd_hr": 0.4886,
        "zones": [], "as_of": "2025-06-23",
    }  # fmt: skip


def test_cli_json_gcp_zones() -> None:
    result = runner.invoke(app, ["--region", "europe-west4", "--accelerator", "a100 80gb", "--format", "json"])
    rows = json.loads(result.output)
    assert [row["instance_type"] for row in rows] == [f"a2-ultragpu-{n}g" for n in (1, 2, 4, 8)]
    assert rows[0]["zones"] == ["europe-west4-a"]


def test_cli_table_lists_offerings() -> None:
    result = runner.invoke(app, ["--cloud", "gcp", "--region", "us-central1", "--accelerator", "h200"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "a3-ultragpu-8g" in result.output and "8 x NVIDIA H200" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--cloud", "awz"], "Invalid value for '--cloud': 'awz' is not known. Did you mean 'aws'? Allowed values: aws, gcp."),
        (["--cloud", "aws", "--region", "eu-west-9"], "Invalid value for '--region': 'eu-west-9' is not known. Did you mean 'eu-west-3'?"),
        (["--cloud", "gcp", "--region", "us-east-1"], "Allowed values: africa-south1,"),
        (["--accelerator", "h1000"], "Invalid value for '--accelerator': 'h1000' is not known. Did you mean 'NVIDIA H100'?"),
        (["--format", "yaml"], "Invalid value for '--format'"),
    ],
)
def test_cli_bad_option_values_exit_2(args: list[str], expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert expected in _plain(result.output)
    assert "Traceback" not in result.output


def test_read_catalog_rejects_unknown_accelerator(tmp_path) -> None:
    from importlib import resources

    from skyweave.catalog.loader import CatalogDataError

    shipped = resources.files("skyweave.catalog").joinpath("data")
    for name in ("accelerators.csv", "regions.csv", "unit_prices.csv"):
        (tmp_path / name).write_text(shipped.joinpath(name).read_text(encoding="utf-8"), encoding="utf-8")
    lines = shipped.joinpath("offerings.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "offerings.csv").write_text("\n".join([lines[0], lines[1].replace("NVIDIA T4", "NVIDIA T5")]) + "\n")
    with pytest.raises(CatalogDataError, match="NVIDIA T5"):
        read_catalog(tmp_path)


def test_public_types_are_frozen(cat: Catalog) -> None:
    offering: Offering = cat.offerings[0]
    with pytest.raises(AttributeError):
        offering.ondemand_usd_hr = 0.0  # type: ignore[misc]
    price: UnitPrice = cat.unit_price("aws", "kms_key_month", "us-east-1")
    with pytest.raises(AttributeError):
        price.value = 0.0  # type: ignore[misc]
