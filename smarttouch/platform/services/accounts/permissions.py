"""What a staff account may do beyond its role: review solutions, manage challenges.

One place for these predicates, used by services, view decorators and templates alike."""

from __future__ import annotations

from ...models import Role, User


def can_review(user: User) -> bool:
    """Therapists flagged as reviewers, and administrators."""
    return user.role == Role.admin or (user.role == Role.therapist and user.is_reviewer)


def can_manage_challenges(user: User) -> bool:
    """Accounts an administrator made challenge managers, and administrators themselves: they
    read clinical needs and author, publish and close challenges."""
    return user.role == Role.admin or (
        user.role in (Role.therapist, Role.developer) and bool(user.is_challenge_manager)
    )


def can_read_needs(user: User) -> bool:
    """Therapists (who file and support clinical needs) and challenge managers (who answer
    them); developers and patients never read them."""
    return user.role == Role.therapist or can_manage_challenges(user)
