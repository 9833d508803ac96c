"""Single sign-on's pure parts: the role map, groups from claims, the highest role, settings checks."""
import pytest

from metrics.accounts import sso
from metrics.accounts.users import ROLES
from metrics.settings import Settings, load_settings

MAP = "opsg-admins=admin, opsg-dcc=uploader,opsg-members=viewer,"


def test_sso100_role_map_parses_and_names_a_bad_entry():
    assert sso.parse_role_map(MAP) == {"opsg-admins": "admin", "opsg-dcc": "uploader", "opsg-members": "viewer"}
    assert sso.parse_role_map("") == {}
    for bad, message in (("opsg-admins", "'opsg-admins' is not group=role"), ("=admin", "is not group=role"),
                         ("a=owner", f"'a=owner': the role must be one of {', '.join(ROLES)}"),
                         ("a=admin,a=viewer", "group 'a' is mapped twice")):
        with pytest.raises(ValueError, match=message):
            sso.parse_role_map(bad)


def test_sso101_a_group_name_may_hold_equals_signs_the_role_is_after_the_last():
    assert sso.parse_role_map("CN=Admins=admin") == {"CN=Admins": "admin"}


def test_sso102_groups_from_a_list_a_string_or_a_dotted_path():
    assert sso.groups_in({"groups": ["a", "b", 7, None]}, "groups") == ["a", "b", "7"]
    assert sso.groups_in({"groups": "a"}, "groups") == ["a"]
    assert sso.groups_in({"realm_access": {"roles": ["opsg-admins"]}}, "realm_access.roles") == ["opsg-admins"]
    assert sso.groups_in({"groups": {"x": 1}}, "groups") == [] and sso.groups_in({}, "groups") == []


def test_sso103_the_highest_mapped_role_wins_and_unmapped_groups_count_for_nothing():
    mapping = sso.parse_role_map(MAP)
    assert sso.role_for(["opsg-members", "opsg-admins"], mapping) == "admin"
    assert sso.role_for(["finance", "opsg-dcc", "opsg-members"], mapping) == "uploader"
    assert sso.role_for(["finance"], mapping) is None and sso.role_for([], mapping) is None


def test_sso104_settings_checked_once():
    base = {"OIDC_ISSUER": "https://idp.example.org/", "OIDC_CLIENT_ID": "dash", "OIDC_ROLE_MAP": MAP,
            "BASE_URL": "https://opsg.example.org/"}
    config = sso.Config.from_settings(load_settings(**base))
    assert config.enabled and config.issuer == "https://idp.example.org"
    assert config.redirect_uri == "https://opsg.example.org/login/oidc/callback"
    assert not sso.Config.from_settings(Settings()).enabled
    with pytest.raises(ValueError, match="OIDC_SCOPES must include openid"):
        sso.Config.from_settings(load_settings(**base, OIDC_SCOPES="profile"))
    with pytest.raises(ValueError, match="must be an https:// URL"):
        sso.Config.from_settings(load_settings(**{**base, "OIDC_ISSUER": "idp.example.org"}))


def test_sso105_user_name_from_claims():
    assert sso.name_from_claims({"preferred_username": " alice ", "email": "a@x", "sub": "1"}) == "alice"
    assert sso.name_from_claims({"email": "a@x", "sub": "1"}) == "a@x"
    assert sso.name_from_claims({"sub": "1"}) == "1"
