"""The docs site: mkdocs serving or building it, and the lesson pages' executed output."""
