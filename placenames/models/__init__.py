"""The data model, one module per domain; importing this package registers every table."""

from . import (
    name_keys,  # noqa: F401  (registers the key-maintenance hook)
    search,  # noqa: F401  (registers the search-index hook)
)
from .addresses import Address, AddressStatus
from .audit import AuditEvent, HistoryRow
from .base import Base
from .chain import AuditChain
from .changes import Change
from .jobs import Job, JobStatus
from .jurisdictions import Jurisdiction, Level, ManagementMembership, Scope
from .people import Expert, RecoveryCode, Role, User, UserSession
from .places import Alias, Place, PlaceKeys, PlaceStatus, PlaceSyllable
from .plans import NamingPlan, PlanStatus, ReservedName
from .plates import Plate, PlateStatus, PrintBatch
from .search import SearchEntry
from .signs import ResponsibleUnit, Sign, SignPhoto
from .stories import NameStory, StoryPhoto, StoryStatus
from .tokens import ApiToken
from .versions import RegisterCounter
from .workflow import Application, CandidateName, PublicComment, StepRecord

__all__ = [
    "Address", "AddressStatus", "Alias", "ApiToken", "Application", "AuditChain", "AuditEvent",
    "Base", "CandidateName", "Change", "Expert", "HistoryRow", "Jurisdiction", "Level",
    "ManagementMembership", "NamingPlan", "Place", "PlaceKeys", "PlaceStatus", "PlaceSyllable",
    "PlanStatus",
    "Plate", "PlateStatus", "PrintBatch", "PublicComment", "RecoveryCode", "RegisterCounter",
    "ReservedName", "Role", "Scope", "SearchEntry", "StepRecord", "User", "UserSession",
    "NameStory", "StoryPhoto", "StoryStatus", "ResponsibleUnit", "Sign", "SignPhoto", "Job",
    "JobStatus",
]
