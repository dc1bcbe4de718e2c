from pathlib import Path

import pytest

from ideas_configload import ConfigError, Settings, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("IDEAS_"):
            monkeypatch.delenv(key)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_nothing_is_given(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "missing.toml", tmp_path / "missing.env")
    assert settings == Settings()


def test_toml_section_overrides_defaults(tmp_path: Path) -> None:
    toml = write(
        tmp_path / "ideas.toml",
        "[ideas]\n"
        "freshness_weight = 0.7\n"
        "max_ideas = 5\n"
        'focus_tags = ["Python", "rust"]\n',
    )
    settings = load_settings(toml)
    assert settings.freshness_weight == 0.7
    assert settings.max_ideas == 5
    assert settings.focus_tags == ("python", "rust")
    assert settings.tag_weight == Settings().tag_weight


def test_toml_without_section_is_read_at_top_level(tmp_path: Path) -> None:
    toml = write(tmp_path / "ideas.toml", "debug = true\n")
    assert load_settings(toml).debug is True


def test_precedence_env_over_dotenv_over_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = write(
        tmp_path / "ideas.toml",
        "[ideas]\nmax_ideas = 1\nrequest_timeout = 1.0\ndebug = false\n",
    )
    env_file = write(
        tmp_path / ".env", "IDEAS_MAX_IDEAS=2\nIDEAS_REQUEST_TIMEOUT=2.5\n"
    )
    monkeypatch.setenv("IDEAS_MAX_IDEAS", "3")
    settings = load_settings(toml, env_file)
    assert settings.max_ideas == 3
    assert settings.request_timeout == 2.5
    assert settings.debug is False


def test_explicit_environ_replaces_os_environ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IDEAS_MAX_IDEAS", "9")
    assert load_settings(environ={"IDEAS_MAX_IDEAS": "4"}).max_ideas == 4
    assert load_settings(environ={}).max_ideas == Settings().max_ideas


def test_unprefixed_and_unknown_env_vars_are_ignored(tmp_path: Path) -> None:
    env_file = write(tmp_path / ".env", "MAX_IDEAS=7\nIDEAS_UNKNOWN=1\n")
    assert load_settings(env_file=env_file, environ={}) == Settings()


def test_tags_from_env_are_comma_separated() -> None:
    settings = load_settings(environ={"IDEAS_FOCUS_TAGS": " Python, ,Web "})
    assert settings.focus_tags == ("python", "web")


@pytest.mark.parametrize("raw", ["yes", "ON", "1", "true"])
def test_boolean_spellings(raw: str) -> None:
    assert load_settings(environ={"IDEAS_DEBUG": raw}).debug is True


def test_bad_number_names_key_and_origin(tmp_path: Path) -> None:
    env_file = write(tmp_path / ".env", "IDEAS_REQUEST_TIMEOUT=soon\n")
    with pytest.raises(ConfigError, match=r"request_timeout from .*\.env"):
        load_settings(env_file=env_file, environ={})


def test_bad_boolean_and_fractional_int_raise() -> None:
    with pytest.raises(ConfigError, match="debug from environment"):
        load_settings(environ={"IDEAS_DEBUG": "maybe"})
    with pytest.raises(ConfigError, match="max_ideas"):
        load_settings(environ={"IDEAS_MAX_IDEAS": "2.5"})


def test_unknown_toml_key_raises(tmp_path: Path) -> None:
    toml = write(tmp_path / "ideas.toml", "[ideas]\nfreshnes_weight = 1.0\n")
    with pytest.raises(ConfigError, match="unknown settings: freshnes_weight"):
        load_settings(toml, environ={})


def test_invalid_toml_raises_config_error(tmp_path: Path) -> None:
    toml = write(tmp_path / "ideas.toml", "[ideas\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_settings(toml, environ={})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("IDEAS_TAG_WEIGHT", "-1", "must not be negative"),
        ("IDEAS_REQUEST_TIMEOUT", "0", "request_timeout must be positive"),
        ("IDEAS_MAX_IDEAS", "0", "at least 1"),
        ("IDEAS_FEED_URL", "ftp://x", "feed_url must be an http"),
    ],
)
def test_out_of_range_values_raise(key: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={key: value})


def test_all_zero_weights_rejected() -> None:
    with pytest.raises(ConfigError, match="at least one scoring weight"):
        Settings(freshness_weight=0, length_weight=0, tag_weight=0)
