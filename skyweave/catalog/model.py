"""Record types of the skyweave hardware/region catalog.

Every record carries ``as_of`` and ``source``. ``as_of`` is an ISO date
(``YYYY-MM-DD``, or ``YYYY-MM`` when the source names only a month) or the word
``undated`` when the source carries no date. Numbers that no source gives are
``None`` (unknown), never guessed.
"""

from __future__ import annotations

from typing import NamedTuple

# Suffix that marks a GCP N1 host with GPUs attached, e.g. "n1-standard-8+nvidia-tesla-t4x2".
ATTACHED_ACCELERATOR_SEPARATOR = "+"


class Offering(NamedTuple):
    """One machine shape with accelerators, in one region of one cloud."""

    cloud: str
    instance_type: str
    family: str
    accelerator: str
    accelerator_count: int
    accelerator_memory_gb: float
    accelerator_memory_bandwidth_gbps: float | None
    vcpu: int
    ram_gb: float
    region: str
    ondemand_usd_hr: float | None
    spot_usd_hr: float | None
    zones: tuple[str, ...]
    as_of: str
    source: str

    @property
    def total_accelerator_memory_gb(self) -> float:
        return self.accelerator_count * self.accelerator_memory_gb

    @property
    def machine_type(self) -> str:
        """The machine type to request from the cloud (the host part for attached GPUs)."""
        return self.instance_type.split(ATTACHED_ACCELERATOR_SEPARATOR, 1)[0]

    @property
    def attached_accelerator(self) -> tuple[str, int] | None:
        """``(accelerator type, count)`` to attach to :attr:`machine_type`, or None when built in."""
        if ATTACHED_ACCELERATOR_SEPARATOR not in self.instance_type:
            return None
        attached = self.instance_type.split(ATTACHED_ACCELERATOR_SEPARATOR, 1)[1]
        accelerator_type, count = attached.rsplit("x", 1)
        return accelerator_type, int(count)


class Region(NamedTuple):
    """A cloud region and the legal jurisdiction its data centres sit in."""

    cloud: str
    name: str
    display_name: str
    city: str
    country: str
    jurisdiction: str
    carbon_g_per_kwh: float | None
    as_of: str
    source: str
    carbon_source: str = ""


class UnitPrice(NamedTuple):
    """A list price for a metered service; ``region`` is the region whose price this is."""

    key: str
    region: str
    value: float
    unit: str
    as_of: str
    source: str
