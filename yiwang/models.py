"""Every mapped class, imported once so that the metadata (and Alembic) sees all tables."""

from yiwang.bundles import models as bundles_models  # noqa: F401
from yiwang.cases import models as cases_models  # noqa: F401
from yiwang.catalog import models as catalog_models  # noqa: F401
from yiwang.core import audit, calendar, lifecycle, outbox, ratelimit, storage  # noqa: F401
from yiwang.credit import models as credit_models  # noqa: F401
from yiwang.evaluation import models as evaluation_models  # noqa: F401
from yiwang.hall import models as hall_models  # noqa: F401
from yiwang.hotline import models as hotline_models  # noqa: F401
from yiwang.identity import models as identity_models  # noqa: F401
from yiwang.licenses import models as licenses_models  # noqa: F401
from yiwang.metrics import models as metrics_models  # noqa: F401
from yiwang.notify import models as notify_models  # noqa: F401
from yiwang.org import models as org_models  # noqa: F401
from yiwang.pledges import models as pledges_models  # noqa: F401
from yiwang.portal import models as portal_models  # noqa: F401
from yiwang.seals import models as seals_models  # noqa: F401
from yiwang.supervision import models as supervision_models  # noqa: F401
