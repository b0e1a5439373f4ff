"""Reference solutions of the exercises: the CLI never prints them; the docs fold them away."""
