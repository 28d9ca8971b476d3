"""The sandbox: one job in a fresh, locked-down interpreter; JSON in, JSON out.

``sandbox.run_job`` is the parent side (in the RQ worker's job process); ``child.py`` is the
script the fresh interpreter runs, and ``confine.py`` the layers it applies to itself before it
loads any user code.
"""
