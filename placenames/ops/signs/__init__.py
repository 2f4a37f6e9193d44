"""Road-name signs (地名标志): register, lifecycle, supervision, letters."""
