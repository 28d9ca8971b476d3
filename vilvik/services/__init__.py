"""Use cases: the only place that commits and enqueues. They take plain arguments, never the request."""
