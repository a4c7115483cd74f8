"""Indicators (seed 003's numbered list), their daily and monthly aggregates, the operations screen's figures and
the monthly report."""
