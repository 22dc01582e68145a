"""Load-testing a CRM's callback receiver with campaign-sized storms, on Locust.

This package is the optional ``catapult-sim[load]`` extra. :mod:`catapult_sim.load.storms` (the
bodies, pure Python) and :mod:`catapult_sim.load.verify` import no Locust; only
:mod:`catapult_sim.load.locustfile` and :mod:`catapult_sim.load.run` do, and the simulator itself
never imports this package (gevent's monkey-patching must stay out of the server).
"""
