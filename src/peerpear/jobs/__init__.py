"""Background work behind one small interface (base.py) with two implementations: in the server
process (inprocess.py, the embedded default) and on procrastinate, a PostgreSQL-based
distributed task queue, whose workers (``peerpear worker``) run on any number of hosts
(procrastinate_queue.py). The work itself (tasks.py) is the same for both."""
