"""The security and history suite runs on the hub's fixtures (``app``, ``client``,
``login_as``, factories, ``live_server``...) from :mod:`tests.platform.conftest`, including
its autouse guard against developers' SMARTTOUCH_* settings."""

from tests.platform.conftest import *  # noqa: F403
from tests.platform.conftest import _clean_env  # noqa: F401  (autouse, not exported by *)
