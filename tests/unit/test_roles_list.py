"""The roles are declared once (metrics.accounts.users.ALL_ROLES); the admin page and the CLI derive theirs."""
from metrics.accounts.users import ALL_ROLES, ROLE_RANK, ROLES, User


def test_rol001_admin_page_and_cli_offer_exactly_the_declared_roles():
    from dashboard.components.admin_views import ROLES as OPTIONS
    from metrics.cli.commands import build_parser

    assert [o["value"] for o in OPTIONS] == list(ROLES) == [r.name for r in ALL_ROLES]
    assert all(r.description in o["label"] for r, o in zip(ALL_ROLES, OPTIONS))
    users = next(a for a in build_parser()._subparsers._group_actions[0].choices["users"]._actions
                 if a.dest == "users_command")
    role = next(a for a in users.choices["add"]._actions if a.dest == "role")
    assert tuple(role.choices) == ROLES


def test_rol002_each_role_may_do_what_the_lower_ranks_may_and_side_by_side_roles_neither():
    assert len(set(ROLES)) == len(ROLES) and all(r.description and r.may for r in ALL_ROLES)
    assert [r.rank for r in ALL_ROLES] == sorted(r.rank for r in ALL_ROLES)  # listed lowest first
    for role in ALL_ROLES:
        user = User(1, "u", role.name)
        assert ROLE_RANK[role.name] == role.rank
        assert [user.can(other.name) for other in ALL_ROLES] == [
            other.name == role.name or other.rank < role.rank for other in ALL_ROLES]
    assert not User(1, "u", "uploader").can("secretary") and not User(1, "u", "secretary").can("uploader")
