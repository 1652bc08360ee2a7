"""Old import path of :mod:`smarttouch.games.sdk.targets`, kept because games published from the
starter kit before the SDK had its own folder import it. New code imports the SDK module."""

from smarttouch.games.sdk.targets import *  # noqa: F403
