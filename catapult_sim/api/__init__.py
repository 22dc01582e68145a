"""The Catapult surface: thin endpoints over the core, one module per resource family."""
