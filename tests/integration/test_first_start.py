"""The first start's administrator password is printed once, in a box that stands out from the
log lines around it, with the user name and what to do next."""
from __future__ import annotations

from dashboard import create_app
from tests.integration.conftest import TEST_SECRET, sign_in


def test_acc030_first_admin_password_is_printed_in_a_box(tmp_path, capfd):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}", "SECRET_KEY": TEST_SECRET},
                     demo=False)
    err = capfd.readouterr().err
    lines = err.splitlines()
    top = next(i for i, line in enumerate(lines) if set(line) == {"#"} and len(line) > 40)
    bottom = next(i for i in range(top + 1, len(lines)) if lines[i] == lines[top])
    box = lines[top:bottom + 1]
    assert lines[top - 1] == "" and lines[bottom + 1] == ""  # set apart from the log lines
    assert all(len(line) == len(box[0]) and line.startswith("#") and line.endswith("#") for line in box)
    inside = "\n".join(line.strip("# ") for line in box)
    assert "user name:  admin" in inside
    password = inside.split("password:")[1].split()[0]
    assert "Shown once only" in inside and "/login" in inside and "Admin page" in inside
    assert sign_in(app.server.test_client(), "admin", password).status_code == 302
