"""Supervision console pages (监察员)."""
