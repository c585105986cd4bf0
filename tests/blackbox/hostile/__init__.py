"""The parts of tests/blackbox/hostile_client.py: shared helpers, the run's
bookkeeping and its groups of hostile cases."""
