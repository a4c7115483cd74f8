"""Cases (办件): applications, the case state machine, correction notices, special-procedure
suspensions, deadlines in working days and the timeline. A case's status changes only through
``service.apply``."""
