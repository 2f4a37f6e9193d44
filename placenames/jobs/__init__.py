"""Background jobs on a real queue: huey, with its SQLite storage by default (one file in the
instance folder, no server) and Redis when ``REDIS_URL`` is set (shared by every host).

Why huey: a small, well-kept task queue whose embedded backend (SQLite) and distributed one
(Redis) run the same code, with a consumer that needs no broker of its own. The queue only
carries job ids; each job's record, progress and lease are in the register's database
(:mod:`placenames.ops.jobs.records`), so every web process sees a job's progress, a job can be
cancelled from any of them, and a job whose worker was killed is taken again (the lease
lapses; the worker's periodic recovery enqueues it) and resumes: a plate batch's ids are
stored before any drawing, so drawing it again gives the same plates, no duplicate, no gap.

- :mod:`.queue` builds the queue from the settings and runs a job;
- :mod:`.handlers` what each kind of job does.

``JOBS_QUEUE``: ``sqlite`` (default), ``redis`` (the default when ``REDIS_URL`` is set), or
``immediate`` (a job runs in the request that starts it: tests, and an office without a
worker process).
"""
