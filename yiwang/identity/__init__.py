"""Identity: persons, enterprises and staff; passwords, login throttling, web sessions and API tokens."""
