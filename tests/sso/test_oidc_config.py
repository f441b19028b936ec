"""The single sign-on settings: defaults, the group mapping format and the refused combinations."""

from __future__ import annotations

from pathlib import Path

import pytest

from bio_register.config import ConfigError, load_settings, parse_group_roles


def settings(tmp_path: Path, **env: str) -> dict:
    return load_settings({"BIO_REGISTER_INSTANCE_PATH": str(tmp_path),
                          **{f"BIO_REGISTER_{k}": v for k, v in env.items()}})


def test_off_by_default_with_local_login_on(tmp_path: Path) -> None:
    config = settings(tmp_path)
    assert config["OIDC_ISSUER"] == "" and config["LOCAL_LOGIN"] is True
    assert config["OIDC_SCOPES"] == "openid email profile"
    assert config["OIDC_AUTO_CREATE"] is False and config["OIDC_GROUP_ROLES"] == {}
    assert config["OIDC_MFA_AMR"] == ["mfa", "ngcmfa", "hwk", "fido", "sc"] and config["OIDC_MFA_ACR"] == []


def test_an_entra_configuration(tmp_path: Path) -> None:
    config = settings(
        tmp_path, OIDC_ISSUER="https://login.microsoftonline.com/0000-tenant/v2.0/",
        OIDC_CLIENT_ID="11111111-2222", OIDC_CLIENT_SECRET="s3cret", LOCAL_LOGIN="false",
        OIDC_GROUP_CLAIM="groups", OIDC_GROUP_ROLES="aaa-111=DIE:verbindingsofficier; bbb-222=DUO:fg,die:fg",
        OIDC_MFA_ACR="urn:a, urn:b", OIDC_AUTO_CREATE="ja",
    )
    assert config["OIDC_ISSUER"] == "https://login.microsoftonline.com/0000-tenant/v2.0"
    assert config["LOCAL_LOGIN"] is False and config["OIDC_AUTO_CREATE"] is True
    assert config["OIDC_GROUP_ROLES"] == {"aaa-111": [("DIE", "verbindingsofficier")],
                                          "bbb-222": [("DUO", "fg"), ("DIE", "fg")]}
    assert config["OIDC_MFA_ACR"] == ["urn:a", "urn:b"]


def test_group_mapping_accepts_new_lines() -> None:
    assert parse_group_roles("a=DIE:fg\nb=UIT:ciso\n") == {"a": [("DIE", "fg")], "b": [("UIT", "ciso")]}


@pytest.mark.parametrize(("env", "message"), [
    ({"LOCAL_LOGIN": "false"}, "nobody can log in"),
    ({"OIDC_ISSUER": "http://idp.example.nl"}, "https"),
    ({"OIDC_ISSUER": "https://idp.example.nl"}, "OIDC_CLIENT_ID"),
    ({"OIDC_ISSUER": "https://idp.example.nl", "OIDC_CLIENT_ID": "x", "OIDC_SCOPES": "email"}, "openid"),
    ({"OIDC_GROUP_ROLES": "just-a-group"}, "OIDC_GROUP_ROLES"),
    ({"OIDC_GROUP_ROLES": "grp=DIE:koning"}, "OIDC_GROUP_ROLES"),
    ({"OIDC_GROUP_ROLES": "grp=DIE"}, "OIDC_GROUP_ROLES"),
])
def test_unusable_combinations_stop_the_start(tmp_path: Path, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings(tmp_path, **env)
