"""The provider contract suite: checks that a Catapult implementation behaves as Vibes documents.

Run it against the simulator (the default: it starts one), or against any implementation::

    catapult-sim contract --target https://sandbox.example --company KEY --user U --password P
    pytest --pyargs catapult_sim.testing.contract --catapult-target URL ...

Tests that need the simulator's control API are marked ``simulator_only`` and skipped elsewhere;
tests that write data need ``--catapult-allow-destructive`` on a target that is not a simulator.
"""
