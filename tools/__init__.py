"""Developer tools that keep generated documentation in step with the code."""
