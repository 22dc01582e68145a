"""The receiver contract suite: checks that a CRM's callback receiver honours the delivery contract.

It runs only when given a receiver (otherwise every test is skipped)::

    pytest --pyargs catapult_sim.testing.contract.receiver --catapult-receiver http://127.0.0.1:8000/hooks/vibes

One test per check of :mod:`catapult_sim.testing.receiver_suite`; ``CATAPULT_RECEIVER_*`` environment
variables (BUDGET, EXAMPLES, SEED, BURST, RATE, API_VERSION, TYPES, HEADERS) tune it. See
docs/receiver-suite.md.
"""
