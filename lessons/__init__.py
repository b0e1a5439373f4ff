"""The lessons: one runnable script per stage of the build (``ganlab lessons`` lists them)."""
