"""Invoice files as documents: what a file is and whether it may be opened (`media`), its pages (`pages`)
and words laid out as printed (`layout`).
"""
