import subprocess
import sys

from gazette_local.cli import main


def test_cli_unknown_subcommand_prints_one_line_and_exits_2(capsys):
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gazette: ") and err.count("\n") == 1


def test_cli_missing_file_prints_one_line_and_exits_2(capsys, tmp_path):
    assert main(["split", str(tmp_path / "nope.txt")]) == 2
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err


def test_cli_no_subcommand_exits_2_without_traceback():
    result = subprocess.run([sys.executable, "-m", "gazette_local.cli"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_cli_demo_out_that_is_a_file_is_refused(capsys, tmp_path):
    file = tmp_path / "file"
    file.write_text("x")
    assert main(["demo", "--out", str(file)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_cli_demo_refuses_an_inward_or_non_http_webhook_before_starting_anything(capsys):
    assert main(["demo", "--webhook", "http://169.254.169.254/latest"]) == 2
    assert main(["demo", "--webhook", "ftp://example.org/hook"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no stack, no output folder
    assert len(captured.err.splitlines()) == 2 and "metadata" in captured.err


def test_cli_folder_given_as_a_file_is_named_as_such(capsys, tmp_path):
    assert main(["split", str(tmp_path)]) == 2
    assert "not a file" in capsys.readouterr().err
