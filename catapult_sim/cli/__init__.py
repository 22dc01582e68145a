"""The ``catapult-sim`` command: one module per command family, one remote-call helper (:mod:`.remote`)."""
