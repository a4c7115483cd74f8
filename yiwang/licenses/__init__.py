"""Electronic licenses: types, issuance, identifiers, PDFs, verification, wallet and reuse."""
