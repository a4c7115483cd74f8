"""JSON API under /api/v1: thin routers that parse input, call one service function and return."""
