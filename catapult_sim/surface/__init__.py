"""Test control of the Catapult surface: the request journal, verify, fault rules, rate limits, their middleware."""
