"""public: the pages residents use without signing in (submit, track, rate, request a review)."""
