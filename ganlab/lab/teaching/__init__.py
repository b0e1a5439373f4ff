"""Teaching: what every lesson shares, the list of lessons, and lessons as notebooks."""
