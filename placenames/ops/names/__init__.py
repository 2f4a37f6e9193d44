"""The names engine against the register: the duplicate and homophone screen."""
