"""The demo register of the Xixian New Area: its data and its loader."""
