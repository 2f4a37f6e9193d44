"""Search, pure: what a query means (:mod:`.query`) and how candidates rank (:mod:`.rank`).

The database side (candidate retrieval, geocoding) is :mod:`placenames.ops.search`.
"""
