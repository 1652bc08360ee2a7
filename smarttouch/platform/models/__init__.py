"""All hub tables. Importing this package registers them on ``SQLModel.metadata``.

Split per concern: users, patients, devices, challenges, catalogue and plans, sessions,
alerts, audit. Enumerations (roles, conditions, statuses) are stored as short strings so
later migrations can add values without altering database enum types.
"""

from __future__ import annotations

from sqlmodel import SQLModel

from .access import RecordAccess
from .activity import (
    PLAN_FIELDS,
    TERM_FIELDS,
    Activity,
    Assignment,
    AssignmentCreate,
    AssignmentPublic,
    AssignmentUpdate,
    AssignmentVersion,
)
from .alert import Alert
from .analyzer import AnalyzerChoice, AnalyzerRun
from .api_token import ApiToken
from .audit import AuditEvent, AuditEventImmutable, LoginThrottle
from .base import NAMING_CONVENTION, HasId, UTCDateTime, orm_attr, pk, rowcount, table_of, utcnow
from .challenge import (
    Challenge,
    ChallengeDataJob,
    Review,
    ReviewDecision,
    Score,
    Solution,
    Submission,
    SubmissionStatus,
)
from .community import ForumMute, ForumPost, ForumThread, Team, TeamMember
from .device import Device, PairingCode
from .feeling import FEELING_MOMENTS, FEELING_SCALES, SessionFeeling
from .need import ClinicalNeed, NeedMessage, NeedStatus, NeedSupport
from .onboarding import Invitation, Message, PlanTemplate
from .patient import Condition, Patient, PatientCreate, PatientPublic, Side
from .pilot import Pilot, PilotArm, PilotComparator, PilotEnrolment, PilotStatus
from .privacy import AnonymisedAggregate, DonatedSession, ResearchConsent
from .progress import GameProgress
from .session import ExerciseSession, ScoringJob, SessionMetricsRecord, SessionStatus
from .shared import SharedLock
from .signup import TermsAcceptance
from .user import Role, User, UserCreate, UserPublic, normalise_email

metadata = SQLModel.metadata

__all__ = [
    "FEELING_MOMENTS",
    "FEELING_SCALES",
    "NAMING_CONVENTION",
    "PLAN_FIELDS",
    "TERM_FIELDS",
    "Activity",
    "Alert",
    "AnalyzerChoice",
    "AnalyzerRun",
    "AnonymisedAggregate",
    "ApiToken",
    "Assignment",
    "AssignmentCreate",
    "AssignmentPublic",
    "AssignmentUpdate",
    "AssignmentVersion",
    "AuditEvent",
    "AuditEventImmutable",
    "Challenge",
    "ChallengeDataJob",
    "ClinicalNeed",
    "Condition",
    "Device",
    "DonatedSession",
    "ExerciseSession",
    "ForumMute",
    "ForumPost",
    "ForumThread",
    "GameProgress",
    "HasId",
    "Invitation",
    "LoginThrottle",
    "Message",
    "NeedMessage",
    "NeedStatus",
    "NeedSupport",
    "PairingCode",
    "Patient",
    "PatientCreate",
    "PatientPublic",
    "Pilot",
    "PilotArm",
    "PilotComparator",
    "PilotEnrolment",
    "PilotStatus",
    "PlanTemplate",
    "RecordAccess",
    "ResearchConsent",
    "Review",
    "ReviewDecision",
    "Role",
    "Score",
    "ScoringJob",
    "SessionFeeling",
    "SessionMetricsRecord",
    "SessionStatus",
    "SharedLock",
    "Side",
    "Solution",
    "Submission",
    "SubmissionStatus",
    "Team",
    "TeamMember",
    "TermsAcceptance",
    "UTCDateTime",
    "User",
    "UserCreate",
    "UserPublic",
    "metadata",
    "normalise_email",
    "orm_attr",
    "pk",
    "rowcount",
    "table_of",
    "utcnow",
]
