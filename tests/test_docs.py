"""Docs are tested: every command is explained with an example and mentioned in the README,
and metadata.yml describes exactly the tables and columns the archive has."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from libya_archive.cli import cli
from pipelines.archive import open_archive
from tests.conftest import PROJECT_DIR

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"libya-archive {command}" in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command):
    assert f"libya-archive {command}" in (PROJECT_DIR / "README.md").read_text("utf-8")


def test_metadata_describes_exactly_the_archive_schema(tmp_path):
    db = open_archive(tmp_path / "archive.db")
    metadata = yaml.safe_load((PROJECT_DIR / "metadata.yml").read_text("utf-8"))
    tables = metadata["databases"]["archive"]["tables"]
    for name, table in tables.items():
        assert db[name].exists(), f"metadata.yml describes a missing table {name}"
        if table.get("hidden"):
            continue
        columns = set(db[name].columns_dict)
        described = set(table["columns"])
        assert described == columns, (
            f"{name}: undocumented {columns - described}, unknown {described - columns}"
        )
    visible = {t for t in db.table_names() if not t.startswith("articles_fts")}
    assert visible <= set(tables), f"tables without a description: {visible - set(tables)}"
