from __future__ import annotations

from yiwang.core.errors import NotFound, ValidationFailed


class TicketNotFound(NotFound):
    code = "ticket_not_found"


class KnowledgeNotFound(NotFound):
    code = "knowledge_not_found"


class BoardPostNotFound(NotFound):
    code = "board_post_not_found"


class UnitNotFound(ValidationFailed):
    code = "unknown_unit"


class RegionOutOfScope(ValidationFailed):
    code = "region_out_of_scope"
