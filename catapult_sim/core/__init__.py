"""The Vibes rules and the store. No HTTP library is imported anywhere below this package."""
