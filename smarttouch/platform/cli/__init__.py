"""The hub's commands, a module a command group: ``db`` (:mod:`.db`), ``user`` (:mod:`.users`),
``seed`` (:mod:`.seed`), ``serve`` and ``demo`` (:mod:`.serve`; ``demo`` runs a worker beside the
server, :mod:`.demo_run`), ``export`` (:mod:`.export`), ``patient`` (:mod:`.patient`),
``alerts``, ``rescore``, ``blobs``, ``challenge`` and ``worker``; what they share is in
:mod:`.common`."""
