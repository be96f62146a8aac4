"""The personal QR credential: issued by a health declaration, read by every app that
admits people (venues, checkpoints, proximity contacts), so it belongs to the core."""
