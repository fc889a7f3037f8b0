"""The mapped tables of Suyuan, by concern; import from here so Alembic sees them all."""

from suyuan.trace.model.audit import AuditEntry
from suyuan.trace.model.codes import Claim, Issuance, KeyStatus, Scan, SigningKey
from suyuan.trace.model.goods import (
    AdmissionStatus,
    Batch,
    BatchStatus,
    DocumentKind,
    GoodsCondition,
    NegativeListEntry,
    NegativeRuleKind,
    Product,
    ProductCategory,
    ProductDocument,
    RiskClass,
    Supplier,
)
from suyuan.trace.model.parties import ApiToken, Enterprise, EnterpriseKind, FilingStatus, Office, Role, User

__all__ = [
    "AdmissionStatus",
    "ApiToken",
    "AuditEntry",
    "Batch",
    "BatchStatus",
    "Claim",
    "DocumentKind",
    "Enterprise",
    "EnterpriseKind",
    "FilingStatus",
    "GoodsCondition",
    "Issuance",
    "KeyStatus",
    "NegativeListEntry",
    "NegativeRuleKind",
    "Office",
    "Product",
    "ProductCategory",
    "ProductDocument",
    "RiskClass",
    "Role",
    "Scan",
    "SigningKey",
    "Supplier",
    "User",
]
