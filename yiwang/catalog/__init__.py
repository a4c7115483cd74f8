"""Service catalog (事项库): items with GB/T 39046 guide elements, versions (draft → published →
retired), materials, e-forms, import/export and search. Every case points at the version it was
filed under."""
