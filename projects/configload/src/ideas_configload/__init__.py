"""Typed settings for the content ideas pipeline."""

from ideas_configload.settings import ENV_PREFIX, ConfigError, Settings, load_settings

__all__ = ["ENV_PREFIX", "ConfigError", "Settings", "load_settings"]
