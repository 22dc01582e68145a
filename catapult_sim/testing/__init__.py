"""Helpers for testing a CRM integration against catapult-sim.

- :mod:`catapult_sim.testing.strategies`: Hypothesis strategies, one per wire shape in ``catapult_sim/schemas``.
- :mod:`catapult_sim.testing.factories`: a seeded Faker generator of the same payloads (fixture files).
- :mod:`catapult_sim.testing.payloads`: the callback body builders both of them use.
"""
