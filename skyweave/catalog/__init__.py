"""skyweave's hardware and region catalog: GPU/accelerator offerings with prices,
regions with jurisdictions and carbon intensity, and unit prices of metered services.

    from skyweave.catalog import load_catalog
    cat = load_catalog()
    cat.offering("aws", "us-east-1", "g5.xlarge").ondemand_usd_hr   # 1.006

Unit price service keys (``cat.unit_price(cloud, key, region)``):

aws
    ``s3_standard_gb_month``          S3 Standard, first 50 TB, USD per GB-month
    ``kms_key_month``                 customer-managed KMS key, USD per key-month (global)
    ``kms_requests_10k``              KMS symmetric API requests, USD per 10,000 requests
    ``sagemaker_serverless_gb_second`` SageMaker Serverless Inference compute, USD per GB-second
    ``sagemaker_serverless_data_gb``  SageMaker Serverless Inference data processed, USD per GB
    ``budgets_budget_day``            AWS Budgets monitoring budget, USD per budget-day (global, free)
    ``budgets_action_budget_day``     action-enabled budget after the first 62 free budget-days, USD per budget-day (global)
    ``budgets_report``                AWS Budgets report delivered, USD per report (global)
gcp
    ``gcs_standard_gb_month``, ``gcs_nearline_gb_month``, ``gcs_coldline_gb_month``,
    ``gcs_archive_gb_month``          Cloud Storage, USD per GB-month (also for locations EU, US, ASIA, EUR4)
    ``cloudrun_l4_gpu_second``        Cloud Run NVIDIA L4, no zonal redundancy, USD per GPU-second
    ``cloudrun_l4_gpu_second_zonal_redundancy``  the same with zonal redundancy
    ``cloudrun_vcpu_second``          Cloud Run vCPU, instance-based billing, USD per vCPU-second
    ``cloudrun_gib_second``           Cloud Run memory, instance-based billing, USD per GiB-second

Regions without a listed price fall back as described in :mod:`skyweave.catalog.catalog`;
the returned ``UnitPrice.region`` says whose price was used.
"""

from skyweave.catalog.catalog import Catalog, accelerator_matches, jurisdictions_of
from skyweave.catalog.loader import load_catalog, read_catalog
from skyweave.catalog.model import Offering, Region, UnitPrice
from skyweave.catalog.pricebook import apply_price_book

__all__ = [
    "Catalog",
    "Offering",
    "Region",
    "UnitPrice",
    "accelerator_matches",
    "apply_price_book",
    "jurisdictions_of",
    "load_catalog",
    "read_catalog",
]
