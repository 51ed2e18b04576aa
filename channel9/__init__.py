"""Channel9.id as a dated, deduplicated JSON Lines dataset."""
