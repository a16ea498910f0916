"""`skyweave catalog refresh`: price-source parsers on recorded-format fixtures, merge and output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skyweave.catalog import load_catalog, read_catalog
from skyweave.catalog.cli import app
from skyweave.catalog.refresh import refresh_offerings, write_catalog_files
from skyweave.catalog.refresh_aws import parse_aws_offer, parse_aws_offers
from skyweave.catalog.refresh_gcp import ON_DEMAND, SPOT, machine_price, parse_gcp_skus

FIXTURES = Path(__file__).parent / "fixtures" / "catalog"
AWS_OFFER = FIXTURES / "aws_ec2_offer.json"
GCP_SKUS = FIXTURES / "gcp_compute_skus.json"


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


# --- AWS ------------------------------------------------------------------------------


def test_aws_offer_gives_linux_shared_on_demand_prices_only() -> None:
    parsed = parse_aws_offer(_load(AWS_OFFER), load_catalog().instance_types("aws"))
    assert parsed.prices == {
        ("us-east-1", "g5.xlarge"): 1.006,
        ("us-east-1", "p5.48xlarge"): 55.04,
        ("eu-central-1", "g6.xlarge"): 1.0064,
        ("us-east-1", "g4dn.metal"): 7.824,  # "Compute Instance (bare metal)" family
    }
    assert parsed.as_of == "2025-06-23"
    assert parsed.source == "AWS Price List bulk offer file AmazonEC2 version 20250623000000"


def test_aws_offer_without_type_filter_keeps_other_types() -> None:
    parsed = parse_aws_offer(_load(AWS_OFFER))
    assert parsed.prices[("us-east-1", "m5.large")] == 9.999
    assert 9.999 not in {price for key, price in parsed.prices.items() if key[1] != "m5.large"}


def test_aws_offers_merge_and_empty() -> None:
    offer = _load(AWS_OFFER)
    assert parse_aws_offers([], ["g5.xlarge"]) is None
    merged = parse_aws_offers([offer, offer], ["g5.xlarge"])
    assert merged.prices == {("us-east-1", "g5.xlarge"): 1.006}


# --- GCP ------------------------------------------------------------------------------


def test_gcp_skus_price_whole_machines() -> None:
    rates = parse_gcp_skus(_load(GCP_SKUS))
    catalog = load_catalog()
    g2_8 = catalog.offering("gcp", "us-central1", "g2-standard-8")
    g2_4 = catalog.offering("gcp", "us-central1", "g2-standard-4")
    n1_t4 = catalog.offering("gcp", "us-central1", "n1-standard-4+nvidia-tesla-t4x1")
    n1_4t4 = catalog.offering("gcp", "us-central1", "n1-standard-16+nvidia-tesla-t4x4")
    assert machine_price(rates, g2_8, ON_DEMAND) == 0.853608  # 8 x 0.024988 + 32 x 0.002927 + 0.56004
    assert machine_price(rates, g2_4, ON_DEMAND) == 0.706824
    assert machine_price(rates, n1_t4, ON_DEMAND) == 0.539999  # 0.189999 host + 0.35
    assert machine_price(rates, n1_4t4, ON_DEMAND) == 2.159996  # 16 x 0.031611 + 60 x 0.004237 + 4 x 0.35
    # Commitment and DWS SKUs are ignored; the fixture has no spot SKUs and no A2 SKUs.
    assert machine_price(rates, g2_8, SPOT) is None
    assert machine_price(rates, catalog.offering("gcp", "us-central1", "a2-highgpu-1g"), ON_DEMAND) is None
    assert machine_price(rates, catalog.offering("gcp", "europe-west4", "g2-standard-8"), ON_DEMAND) is None
    assert rates.as_of == "2026-07-30"


def _sku(description: str, group: str, usage: str, unit: str, nanos: int) -> dict:
    return {
        "description": description,
        "category": {"resourceGroup": group, "usageType": usage},
        "serviceRegions": ["us-central1"],
        "pricingInfo": [{"effectiveTime": "2026-08-01T00:00:00Z", "pricingExpression": {
            "usageUnit": unit, "tieredRates": [{"startUsageAmount": 0, "unitPrice": {"units": "0", "nanos": nanos}}]}}],
    }  # fmt: skip


def test_gcp_spot_and_bundled_local_ssd_arithmetic() -> None:
    # Synthetic rates (round numbers) to check the arithmetic of the spot path and of
    # monthly-priced Local SSD, which the recorded fixture does not cover.
    rates = parse_gcp_skus({"skus": [
        _sku("Spot Preemptible A2 Instance Core running in Americas", "CPU", SPOT, "h", 10_000_000),
        _sku("Spot Preemptible A2 Instance Ram running in Americas", "RAM", SPOT, "GiBy.h", 1_000_000),
        _sku("Nvidia Tesla A100 80GB GPU attached to Spot Preemptible VMs running in Americas", "GPU", SPOT, "h", 500_000_000),
        _sku("Nvidia Tesla A100 GPU attached to Spot Preemptible VMs running in Americas", "GPU", SPOT, "h", 900_000_000),
        _sku("SSD backed Local Storage attached to Spot Preemptible VMs in Americas", "LocalSSD", SPOT, "GiBy.mo", 73_000_000),
    ]})  # fmt: skip
    ultra = load_catalog().offering("gcp", "us-central1", "a2-ultragpu-1g")  # 12 vCPU, 170 GB, 1 GPU, 375 GB SSD
    # 12 x 0.01 + 170 x 0.001 + 0.5 (the 80GB GPU, not the 40GB one) + 375 x 0.073 / 730
    assert machine_price(rates, ultra, SPOT) == 0.8275
    assert machine_price(rates, ultra, ON_DEMAND) is None
    assert rates.as_of == "2026-08-01"


# --- merge and output -----------------------------------------------------------------


def test_refresh_merges_prices_and_keeps_spot_provenance() -> None:
    catalog = load_catalog()
    aws = parse_aws_offer(_load(AWS_OFFER), catalog.instance_types("aws"))
    gcp = parse_gcp_skus(_load(GCP_SKUS))
    offerings, changed = refresh_offerings(catalog, aws=aws, gcp=gcp)
    by_key = {(o.cloud, o.region, o.instance_type): o for o in offerings}

    g5 = by_key[("aws", "us-east-1", "g5.xlarge")]
    assert (g5.ondemand_usd_hr, g5.spot_usd_hr, g5.as_of) == (1.006, 0.4886, "2025-06-23")
    assert g5.source.startswith("AWS Price List bulk offer file AmazonEC2 version 20250623000000")
    assert "spot kept from the previous catalog (2025-06-23): skypilot-catalog" in g5.source

    g2 = by_key[("gcp", "us-central1", "g2-standard-8")]
    assert (g2.ondemand_usd_hr, g2.spot_usd_hr, g2.as_of) == (0.853608, 0.479872, "2026-07-30")

    untouched = by_key[("aws", "us-east-1", "g5.2xlarge")]
    assert untouched is catalog.offering("aws", "us-east-1", "g5.2xlarge")
    assert changed == 4 + 8 + 9  # AWS rows, every G2 size and every N1 + T4 combination in us-central1
    assert len(offerings) == len(catalog.offerings)


def test_refresh_twice_does_not_stack_source_notes() -> None:
    catalog = load_catalog()
    aws = parse_aws_offer(_load(AWS_OFFER), catalog.instance_types("aws"))
    once, _ = refresh_offerings(catalog, aws=aws)
    again, _ = refresh_offerings(type(catalog)(once, catalog.regions(), catalog.unit_prices), aws=aws)
    g5 = next(o for o in again if (o.region, o.instance_type) == ("us-east-1", "g5.xlarge"))
    assert g5.source.count("spot kept from the previous catalog") == 1
    assert "(2025-06-23): skypilot-catalog" in g5.source


def test_written_files_load_back(tmp_path: Path) -> None:
    catalog = load_catalog()
    gcp = parse_gcp_skus(_load(GCP_SKUS))
    offerings, _ = refresh_offerings(catalog, gcp=gcp)
    write_catalog_files(offerings, tmp_path)
    reloaded = read_catalog(tmp_path)
    assert reloaded.offerings == offerings
    assert reloaded.regions() == catalog.regions()
    assert reloaded.unit_prices == catalog.unit_prices


def test_cli_refresh_from_files(tmp_path: Path) -> None:
    out = tmp_path / "refreshed"
    result = CliRunner().invoke(
        app, ["refresh", "--aws-offer-file", str(AWS_OFFER), "--gcp-skus-file", str(GCP_SKUS), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "21 of 1046 offerings re-priced" in result.output
    assert "AWS: 4 on-demand prices" in result.output
    refreshed = read_catalog(out)
    assert refreshed.offering("gcp", "us-central1", "g2-standard-4").ondemand_usd_hr == 0.706824
    assert refreshed.offering("aws", "us-east-1", "p5.48xlarge").as_of == "2025-06-23"


def test_cli_refresh_rejects_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["refresh", "--aws-offer-file", str(tmp_path / "nope.json"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_cli_refresh_reports_unreadable_file(tmp_path: Path) -> None:
    broken = tmp_path / "offer.json"
    broken.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(app, ["refresh", "--aws-offer-file", str(broken), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "Could not read the price sources" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("unit", ["GiBy", "By"])
def test_gcp_skus_with_other_units_are_ignored(unit: str) -> None:
    rates = parse_gcp_skus({"skus": [_sku("G2 Instance Core running in Americas", "CPU", ON_DEMAND, unit, 1)]})
    assert rates.rates == ()
