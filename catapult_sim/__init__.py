"""catapult-sim: a stateful local simulator of the Vibes Platform ("Catapult") API."""

__version__ = "0.1.0"
