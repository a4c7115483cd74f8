from yiwang.core.errors import Conflict, NotFound, ValidationFailed


class ItemNotFound(NotFound):
    code = "item_not_found"


class QualityRulesFailed(ValidationFailed):
    code = "quality_rules_failed"


class VersionStateError(Conflict):
    code = "version_state"


class BundleNotFound(NotFound):
    code = "bundle_not_found"
