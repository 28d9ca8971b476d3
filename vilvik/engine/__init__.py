"""Pure PyGAD code: validation of JSON parameters and code, and (later) building and running GAs.
Knows nothing of Flask, RQ or the database."""
