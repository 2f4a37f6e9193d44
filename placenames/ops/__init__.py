"""Operations on the registry: take a session, the actor and the clock; flush, never commit."""
