"""The hub's background jobs: one queue, one lease store, one list of job types.

A job is a database row (a ``submission`` to evaluate, an ``analyzer_run`` over a session, a
``scoring_job`` scoring a session) with the lease columns ``status``, ``attempts``, ``lease_token``, ``lease_expires_at``,
``started_at``, ``finished_at``, ``message`` and ``failure_reason``. The pieces:

* :mod:`.types` - :class:`~.types.JobType` (what differs per kind of job: its table, how its
  spec is read from a row, how it runs, what a finished row holds) and the
  :class:`~.types.JobContext` every job runs with;
* :mod:`.leases` - :class:`~.leases.LeaseStore`, the one implementation of the lease protocol
  of :mod:`smarttouch.challenges.jobs` (claim, renew, finish, reclaim) over any job table;
* :mod:`.queue` - :class:`~.queue.HubQueue`, huey (SQLite or Redis) with one task per job type
  and a once-a-minute tick that reclaims lost leases, schedules new jobs and resends stale ones;
* :mod:`.registry` - the hub's job types (:mod:`.evaluations`, :mod:`.analyses`,
  :mod:`.scoring`);
* :mod:`.bundles` - imported challenge bundles unpacked once per blob key for the workers.

Services never import the queue: they receive an ``enqueue(job_id)`` callable
(:meth:`~.queue.HubQueue.enqueuer`) from the view or command that calls them.
"""
