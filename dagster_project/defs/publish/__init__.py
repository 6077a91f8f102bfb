"""Publishing: the public tables, copied and atomically swapped into a serving database."""
