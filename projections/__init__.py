"""Read models rebuilt from events, their stores, and time travel over the event history."""
