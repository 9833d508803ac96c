"""The roles are declared once (metrics.accounts.ALL_ROLES); the admin page and the CLI derive theirs."""
from metrics.accounts import ALL_ROLES, ROLE_RANK, ROLES, User


def test_rol001_admin_page_and_cli_offer_exactly_the_declared_roles():
    from dashboard.components.admin_views import ROLES as OPTIONS
    from metrics.cli import build_parser

    assert [o["value"] for o in OPTIONS] == list(ROLES) == [r.name for r in ALL_ROLES]
    assert all(r.description in o["label"] for r, o in zip(ALL_ROLES, OPTIONS))
    users = next(a for a in build_parser()._subparsers._group_actions[0].choices["users"]._actions
                 if a.dest == "users_command")
    role = next(a for a in users.choices["add"]._actions if a.dest == "role")
    assert tuple(role.choices) == ROLES


def test_rol002_each_role_may_do_what_the_ones_before_it_may():
    assert len(set(ROLES)) == len(ROLES) and all(r.description and r.may for r in ALL_ROLES)
    for i, name in enumerate(ROLES):
        user = User(1, "u", name)
        assert [user.can(other) for other in ROLES] == [j <= i for j in range(len(ROLES))]
        assert ROLE_RANK[name] == i
