"""The session framework around a game: the logic-only :class:`~.app.SessionApp` and its
scenes (calibration, instructions, play, rest, summary), the pygame :mod:`.runner`, inputs
(motion or keyboard), the stop menu, sounds, praise, in-session difficulty, the local
history and the :class:`~.result.SessionResult` of a session.

Entry point: :func:`smarttouch.games.session.runner.run_session`.
"""
