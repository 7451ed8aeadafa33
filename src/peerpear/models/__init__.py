"""ORM models, one file per table. Importing this package registers every table on Base."""

from peerpear.models.account_token import AccountToken, TokenPurpose
from peerpear.models.admin_request import AdminRequest
from peerpear.models.answer import Answer
from peerpear.models.audit_log import AuditLogEntry
from peerpear.models.auth_session import AuthSession
from peerpear.models.enums import (
    AdminRequestStatus,
    EventStatus,
    EventVisibility,
    IdentityProvider,
    MembershipRole,
    PairRuleKind,
    QuestionMode,
    QuestionType,
    RegistrationRole,
    RoleScheme,
    RunStatus,
    RunStrategy,
    SummaryStatus,
)
from peerpear.models.event import Event
from peerpear.models.identity import Identity
from peerpear.models.llm_cache_entry import LLMCacheEntry, LLMEmbedding
from peerpear.models.llm_call import LLMCall, LLMCallOutcome
from peerpear.models.login_attempt import LoginAttempt
from peerpear.models.mail_message import MailMessage, MailStatus
from peerpear.models.membership import Membership
from peerpear.models.organization import Organization
from peerpear.models.organization_invite import OrganizationInvite
from peerpear.models.pair_rule import PairRule
from peerpear.models.pairing import Pairing
from peerpear.models.pairing_group import PairingGroup
from peerpear.models.pairing_group_member import PairingGroupMember
from peerpear.models.pairing_run import PairingRun
from peerpear.models.profile import Profile
from peerpear.models.question import Question
from peerpear.models.registration import Registration
from peerpear.models.round import Round, RoundStatus
from peerpear.models.user import User, normalize_email

__all__ = [
    "AccountToken",
    "AdminRequest",
    "AdminRequestStatus",
    "Answer",
    "AuditLogEntry",
    "AuthSession",
    "Event",
    "EventStatus",
    "EventVisibility",
    "Identity",
    "IdentityProvider",
    "LLMCacheEntry",
    "LLMCall",
    "LLMCallOutcome",
    "LLMEmbedding",
    "LoginAttempt",
    "MailMessage",
    "MailStatus",
    "Membership",
    "MembershipRole",
    "Organization",
    "OrganizationInvite",
    "PairRule",
    "PairRuleKind",
    "Pairing",
    "PairingGroup",
    "PairingGroupMember",
    "PairingRun",
    "Profile",
    "Question",
    "QuestionMode",
    "QuestionType",
    "Registration",
    "RegistrationRole",
    "RoleScheme",
    "Round",
    "RoundStatus",
    "RunStatus",
    "RunStrategy",
    "SummaryStatus",
    "TokenPurpose",
    "User",
    "normalize_email",
]
