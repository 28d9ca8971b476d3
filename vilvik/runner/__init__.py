"""The sandbox: one job in a fresh, locked-down interpreter; JSON in, JSON out.

``sandbox.run_job`` is the parent side (in the RQ worker); ``child.py`` is the script the fresh
interpreter runs, and ``confine.py`` the layers it applies to itself before it loads any user
code. ``launch.py`` starts that interpreter, possibly ahead of its job, and ``standby.py`` keeps
one started for the worker's next job: each still serves exactly one job.
"""
