"""The simulator's own API under /_sim: platform-side events, inspection and test control."""
