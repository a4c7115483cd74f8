"""告知承诺, afterwards: every approved pledged case is published (公示, without personal data) and gets a
post-check task (事后核查) for its deciding department, with a working-day deadline per item. A finding that the
pledge was false revokes the decision (the case) and its licence and writes a credit record on the applicant
(the credit domain), which bars pledges for that item type while it stands."""
