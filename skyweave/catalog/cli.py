"""``skyweave catalog``: list GPU offerings, and refresh their prices."""

from __future__ import annotations

import difflib
import json
from enum import Enum
from pathlib import Path

import typer

from skyweave.catalog.catalog import Catalog, accelerator_matches
from skyweave.catalog.loader import load_catalog
from skyweave.catalog.model import Offering
from skyweave.console import stdout

app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
    help="List the GPU/accelerator offerings skyweave knows, with prices and zones.",
)

CLOUDS = ("aws", "gcp")
JSON_KEYS = (
    "cloud", "region", "instance_type", "accelerator", "accelerator_count", "accelerator_memory_gb",
    "ondemand_usd_hr", "spot_usd_hr", "zones", "as_of",
)  # fmt: skip


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


def _bad_value(option: str, value: str, allowed: list[str]) -> typer.BadParameter:
    """An exit-2 usage error naming the option, the allowed values and the closest one."""
    comparable = {name.lower(): name for name in allowed}
    # Accelerators are also compared without the vendor word ("h100" vs "NVIDIA H100").
    comparable.update({name.lower().split(" ", 1)[-1]: name for name in allowed if " " in name})
    close = difflib.get_close_matches(value.lower(), list(comparable), n=1, cutoff=0.5)
    hint = f" Did you mean {comparable[close[0]]!r}?" if close else ""
    return typer.BadParameter(
        f"{value!r} is not known.{hint} Allowed values: {', '.join(allowed)}.", param_hint=f"'{option}'"
    )


def _validate(catalog: Catalog, cloud: str | None, region: str | None, accelerator: str | None) -> None:
    if cloud is not None and cloud not in CLOUDS:
        raise _bad_value("--cloud", cloud, list(CLOUDS))
    known_regions = [r.name for r in catalog.regions(cloud)]
    if region is not None and region not in known_regions:
        raise _bad_value("--region", region, known_regions)
    accelerators = list(catalog.accelerators())
    if accelerator is not None and not any(accelerator_matches(name, accelerator) for name in accelerators):
        raise _bad_value("--accelerator", accelerator, accelerators)


def _json_row(offering: Offering) -> dict[str, object]:
    row = {key: getattr(offering, key) for key in JSON_KEYS}
    row["zones"] = list(offering.zones)
    return row


def _price(value: float | None) -> str:
    return "" if value is None else f"{value:,.4f}"


def _print_table(offerings: tuple[Offering, ...], catalog: Catalog) -> None:
    from rich.table import Table

    table = Table(caption=f"{len(offerings)} offerings; empty price = no public price found; catalog as of {catalog.as_of}")
    for header, justify in (
        ("Cloud", "left"), ("Region", "left"), ("Instance type", "left"), ("Accelerators", "left"),
        ("GB each", "right"), ("On-demand $/h", "right"), ("Spot $/h", "right"), ("As of", "left"),
    ):  # fmt: skip
        # Names and prices stay on one line; the accelerator text wraps in narrow terminals.
        wraps = header == "Accelerators"
        table.add_column(header, justify=justify, no_wrap=not wraps, min_width=12 if wraps else None)
    for o in offerings:
        table.add_row(
            o.cloud, o.region, o.instance_type, f"{o.accelerator_count} x {o.accelerator}",
            f"{o.accelerator_memory_gb:g}", _price(o.ondemand_usd_hr), _price(o.spot_usd_hr), o.as_of,
        )  # fmt: skip
    stdout().print(table)


@app.callback()
def list_offerings(
    ctx: typer.Context,
    cloud: str | None = typer.Option(None, "--cloud", help="aws or gcp."),
    accelerator: str | None = typer.Option(
        None, "--accelerator", help="Words of the accelerator name, e.g. h100, 'a100 80gb', l4, inferentia2."
    ),
    region: str | None = typer.Option(None, "--region", help="A cloud region, e.g. us-east-1 or europe-west4."),
    output_format: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table or json."),
) -> None:
    """List offerings (the default when no subcommand is given)."""
    if ctx.invoked_subcommand is not None:
        return
    catalog = load_catalog()
    _validate(catalog, cloud, region, accelerator)
    offerings = catalog.offerings_for(cloud=cloud, region=region, accelerator=accelerator)
    if output_format is OutputFormat.json:
        typer.echo(json.dumps([_json_row(o) for o in offerings], indent=2))
    else:
        _print_table(offerings, catalog)


@app.command()
def refresh(
    out: Path = typer.Option(..., "--out", file_okay=False, help="Directory to write the refreshed catalog CSVs to."),
    aws_offer_file: list[Path] | None = typer.Option(
        None, "--aws-offer-file", exists=True, dir_okay=False,
        help="A downloaded AWS Price List AmazonEC2 offer file (JSON); repeat for several regions.",
    ),  # fmt: skip
    gcp_skus_file: Path | None = typer.Option(
        None, "--gcp-skus-file", exists=True, dir_okay=False,
        help='Downloaded Cloud Billing Catalog Compute Engine SKUs, as {"skus": [...]} JSON.',
    ),  # fmt: skip
    gcp_api_key: str | None = typer.Option(
        None, "--gcp-api-key", envvar="SKYWEAVE_GCP_BILLING_API_KEY",
        help="API key for downloading GCP SKUs when no --gcp-skus-file is given.",
    ),  # fmt: skip
) -> None:
    """Re-price offerings from the clouds' public price lists.

    With downloaded files only those clouds are refreshed. With no file at all,
    skyweave downloads the AWS offer files of the catalog's AWS regions and, given
    an API key, the GCP SKUs.
    """
    from skyweave.catalog.refresh import (
        download_aws_offers,
        download_gcp_skus,
        read_json,
        refresh_offerings,
        write_catalog_files,
    )
    from skyweave.catalog.refresh_aws import parse_aws_offers
    from skyweave.catalog.refresh_gcp import parse_gcp_skus

    catalog = load_catalog()
    offline = bool(aws_offer_file) or gcp_skus_file is not None
    try:
        if aws_offer_file:
            aws_offers = [read_json(path) for path in aws_offer_file]
        elif not offline:
            aws_offers = download_aws_offers(r.name for r in catalog.regions("aws"))
        else:
            aws_offers = []
        if gcp_skus_file is not None:
            gcp_document = read_json(gcp_skus_file)
        elif not offline and gcp_api_key:
            gcp_document = download_gcp_skus(gcp_api_key)
        else:
            gcp_document = None
    except (OSError, ValueError) as error:  # URLError is an OSError, bad JSON a ValueError
        typer.echo(f"Could not read the price sources: {error}. Pass downloaded files with "
                   "--aws-offer-file / --gcp-skus-file.", err=True)  # fmt: skip
        raise typer.Exit(1) from error

    aws = parse_aws_offers(aws_offers, catalog.instance_types("aws"))
    gcp = parse_gcp_skus(gcp_document) if gcp_document is not None else None

    offerings, changed = refresh_offerings(catalog, aws=aws, gcp=gcp)
    target = write_catalog_files(offerings, out)
    typer.echo(f"Wrote {target}: {changed} of {len(offerings)} offerings re-priced.")
    if aws is not None:
        typer.echo(f"AWS: {len(aws.prices)} on-demand prices from {aws.source}, published {aws.as_of}.")
    if gcp is not None:
        typer.echo(f"GCP: {len(gcp.rates)} SKU rates, effective up to {gcp.as_of}.")
    elif not offline:
        typer.echo("GCP: skipped (give --gcp-skus-file, or --gcp-api-key to download).")
