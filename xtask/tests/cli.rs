//! End-to-end: the command line as a user meets it: help on every command (with its
//! options and an example), `help <cmd>`, `--version`, and shell completions.

use std::process::Command;

fn xtask(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xtask")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn every_command_has_help_and_help_names_it_too() {
    let (code, overview, _) = xtask(&["--help"]);
    assert_eq!(code, 0);
    for command in xtask::flags::command_names().iter().filter(|c| *c != "help") {
        assert!(overview.contains(&format!("  {command} ")), "`{command}` is not in the overview\n{overview}");
        let (code, help, err) = xtask(&[command, "--help"]);
        assert_eq!(code, 0, "{command} --help: {err}");
        assert!(help.contains(&format!("Usage: cargo xtask {command}")), "{help}");
        assert!(help.contains("Example"), "`{command} --help` has no example\n{help}");
        let (code, same, _) = xtask(&["help", command]);
        assert_eq!((code, &same), (0, &help), "`help {command}` is `{command} --help`");
    }
    let (code, version, _) = xtask(&["--version"]);
    assert_eq!((code, version.trim()), (0, concat!("xtask ", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn a_typo_gets_a_suggestion_and_exit_2() {
    let (code, _, err) = xtask(&["tset-all"]);
    assert_eq!(code, 2);
    assert!(err.contains("unrecognized subcommand 'tset-all'") && err.contains("'test-all'"), "{err}");
    let (code, _, err) = xtask(&["test-all", "--kep-going"]);
    assert_eq!(code, 2);
    assert!(err.contains("a similar argument exists: '--keep-going'"), "{err}");
}

#[test]
fn completions_are_produced_for_each_shell() {
    for (shell, mark) in [
        ("bash", "complete -F _xtask"),
        ("zsh", "#compdef xtask"),
        ("fish", "complete -c xtask"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (code, script, err) = xtask(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(script.contains(mark), "{shell}: no `{mark}`\n{script}");
        assert!(script.contains("test-all") && script.contains("keep-going"), "{shell} completes commands and flags");
    }
    let (code, _, err) = xtask(&["completions", "tcsh"]);
    assert_eq!(code, 2);
    assert!(err.contains("possible values: bash"), "{err}");
}

/// The bash script is valid bash: it loads, and completes `xtask test-<TAB>`.
#[cfg(unix)]
#[test]
fn the_bash_completion_completes_a_command() {
    let (_, script, _) = xtask(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("xtask.bash");
    std::fs::write(&file, script).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(xtask test-); COMP_CWORD=1; COMP_LINE='xtask test-'; COMP_POINT=11; _xtask xtask test- xtask; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let out = Command::new("bash").args(["--norc", "-c", &probe]).output().unwrap();
    let words = String::from_utf8_lossy(&out.stdout);
    assert!(words.lines().any(|w| w == "test-all"), "{words}\n{}", String::from_utf8_lossy(&out.stderr));
}
