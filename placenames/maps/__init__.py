"""Pure map helpers: tile geometry, coordinate conversions, layer rules (no Flask, no database)."""
