"""The map of the register: vector tiles of names, addresses, plates and jurisdictions."""
