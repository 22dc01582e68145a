"""Callback delivery: the retry policy, chaos, the aiohttp sender and the dispatcher that runs them."""
