"""All hub tables. Importing this package registers them on ``SQLModel.metadata``.

Split per concern: users, patients, devices, challenges, catalogue and plans, sessions,
alerts, audit. Enumerations (roles, conditions, statuses) are stored as short strings so
later migrations can add values without altering database enum types.
"""

from __future__ import annotations

from sqlmodel import SQLModel

from .base import NAMING_CONVENTION, UTCDateTime, utcnow
from .user import Role, User, UserCreate, UserPublic, normalise_email
from .patient import Condition, Patient, PatientCreate, PatientPublic, Side
from .device import Device, PairingCode
from .challenge import (Challenge, ChallengeKind, Review, ReviewDecision, Score, Solution,
                        Submission, SubmissionStatus)
from .activity import Activity, Assignment, AssignmentCreate, AssignmentPublic, AssignmentUpdate
from .session import ExerciseSession, SessionMetrics, SessionStatus
from .alert import Alert
from .audit import AuditEvent, AuditEventImmutable, LoginThrottle
from .api_token import ApiToken
from .analyzer import AnalyzerChoice, AnalyzerRun
from .privacy import AnonymisedAggregate, DonatedSession, ResearchConsent

metadata = SQLModel.metadata

__all__ = [
    "NAMING_CONVENTION", "UTCDateTime", "utcnow", "metadata",
    "Role", "User", "UserCreate", "UserPublic", "normalise_email",
    "Condition", "Patient", "PatientCreate", "PatientPublic", "Side",
    "Device", "PairingCode",
    "Challenge", "ChallengeKind", "Review", "ReviewDecision", "Score", "Solution",
    "Submission", "SubmissionStatus",
    "Activity", "Assignment", "AssignmentCreate", "AssignmentPublic", "AssignmentUpdate",
    "ExerciseSession", "SessionMetrics", "SessionStatus",
    "Alert", "AuditEvent", "AuditEventImmutable", "LoginThrottle",
    "ApiToken", "AnalyzerChoice", "AnalyzerRun",
    "AnonymisedAggregate", "DonatedSession", "ResearchConsent",
]
