from __future__ import annotations

from pathlib import Path

import pytest

from bio_register.config import ConfigError, load_settings


def test_the_attachment_limit_and_the_request_limit_above_it(tmp_path: Path) -> None:
    default = load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path)})
    assert default["MAX_ATTACHMENT_MB"] == 20
    assert default["MAX_CONTENT_LENGTH"] == 21 * 1024 * 1024
    custom = load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path), "BIO_REGISTER_MAX_ATTACHMENT_MB": "50"})
    assert (custom["MAX_ATTACHMENT_MB"], custom["MAX_CONTENT_LENGTH"]) == (50, 51 * 1024 * 1024)


@pytest.mark.parametrize("value", ["twintig", "0", "-5", "5000"])
def test_an_unusable_limit_stops_the_start(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="MAX_ATTACHMENT_MB"):
        load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path), "BIO_REGISTER_MAX_ATTACHMENT_MB": value})
