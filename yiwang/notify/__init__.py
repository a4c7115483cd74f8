"""Notifications: in-app messages and SMS / e-mail deliveries through pluggable backends."""
