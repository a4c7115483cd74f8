"""一件事一次办: one application for a bundle of items of several departments. The bundle itself is catalog data
(catalog.bundles); this domain files the application — one case per item, all in one transaction — follows it
as one thing with one clock, and delivers every result together."""
