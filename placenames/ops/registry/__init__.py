"""The register of names: names and divisions, record views, corrections, geometry checks."""
