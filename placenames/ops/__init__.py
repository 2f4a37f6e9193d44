"""Operations on the registry: take a session, the actor and the clock; flush, never commit.

One package a domain: ``registry`` (names, divisions, record views, corrections), ``names``
(the duplicate and homophone screen), ``addresses`` (registering, numbering, entrances),
``plates`` (batches, lifecycle, scan page), ``procedure`` (applications and their steps),
``maps`` (tiles, base map), ``accounts`` (users, tokens) and ``demo``.
"""
