"""Electronic seals: registry, keys, signing and verification backends."""
