"""The hub's commands: ``db``, ``user``, ``seed``, ``serve``, ``demo``, ``export``, ``patient``
(:mod:`.hub`), ``challenge`` and ``worker`` (:mod:`.challenge`); ``demo`` runs a worker beside the
server (:mod:`.demo_run`)."""
