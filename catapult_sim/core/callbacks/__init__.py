"""The callback domain, pure: registrations, specs, payloads, events, the outbox and the delivery log."""
