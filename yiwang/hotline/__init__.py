"""The 12345 hotline: work orders, routing, the knowledge base and the message board."""
