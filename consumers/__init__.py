"""Event transport: the relay to Kafka, consumer groups, offsets and dead letters."""
