"""Helpers for testing a CRM integration against catapult-sim.

- :mod:`simulator.testing.strategies`: Hypothesis strategies, one per wire shape in ``simulator/schemas``.
- :mod:`simulator.testing.factories`: a seeded Faker generator of the same payloads (fixture files).
- :mod:`simulator.testing.payloads`: the callback body builders both of them use.
"""
