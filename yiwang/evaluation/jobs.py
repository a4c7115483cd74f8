"""Outbox handlers and scheduled jobs of the evaluation domain.

None yet: the domain reacts to no other domain's events, and what follows from its own (telling the rater the
department answered, on ``evaluation.rectification_replied``) belongs to the notifications domain. Overdue
rectifications are found by ``service.list_rectifications(..., overdue=True)``.
"""

from __future__ import annotations
