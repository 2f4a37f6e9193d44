"""The names engine against the register: the duplicate and homophone screen (places and
divisions), and the collision report of a division import."""
