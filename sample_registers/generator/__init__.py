"""The synthetic inspection-pack generator (``python sample_registers/generate.py --help``).

core       the registers before planting: calendar, names, background marks, PackBuilder
planted    the planted cases (findings and near misses) of every rule
compliance what a compliant school does in the background (returns made, N resolved) and the
           findings the background itself must give (persistent absence)
output     writing a pack and reading it back
cli        one pack from the command line
authority  a whole local authority: one pack per school, in parallel
"""
