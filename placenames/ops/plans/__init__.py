"""The naming plan (地名规划) and its reserved names (a placeholder until plan operations land)."""
