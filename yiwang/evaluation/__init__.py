"""Evaluation (好差评): ratings of concluded cases, bad-review rectification, appeals, public figures."""
