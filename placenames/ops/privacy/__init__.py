"""Personal data of the public: commenters' contacts encrypted, masked, found and erased."""
