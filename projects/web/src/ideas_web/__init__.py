"""HTTP API of the content ideas pipeline."""

from ideas_web.app import create_app
from ideas_web.store import DuplicateIdeaError, IdeaStore

__all__ = ["DuplicateIdeaError", "IdeaStore", "create_app"]
