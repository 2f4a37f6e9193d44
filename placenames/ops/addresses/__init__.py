"""Standard addresses: registering them, numbering them along roads, entrances placed on a map."""

from .register import AddressInput, create_address, jurisdiction_path, next_code

__all__ = ["AddressInput", "create_address", "jurisdiction_path", "next_code"]
