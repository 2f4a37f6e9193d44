"""QR door plates: print batches, the plate lifecycle and what a scanned plate shows."""
