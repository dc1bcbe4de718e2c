//! Bad input: each gets `error:` naming the file, a `hint:`, exit 2, and writes nothing.
//! None of these needs uv: the workspace is validated before any work starts.

mod support;

use support::Repo;

fn expect_error(repo: &Repo, needles: &[&str]) {
    let run = repo.expect(&["graph"], 2);
    for needle in needles {
        assert!(run.stderr.contains(needle), "missing `{needle}` in\n{}", run.all());
    }
    assert!(run.stderr.starts_with("error: ") && run.stderr.contains("\nhint: "), "{}", run.all());
    assert!(!repo.path("_meta/requirements/base.txt").exists(), "nothing is written");
}

#[test]
fn a_dependency_cycle_is_shown_as_a_path() {
    let repo = Repo::sample();
    let core = repo.read("projects/core/pyproject.toml");
    repo.write("projects/core/pyproject.toml", &core.replace("dependencies = []", "dependencies = [\"E2E_App\"]"));
    expect_error(&repo, &["cycle: app -> lib -> core -> app", "projects/core/pyproject.toml"]);
    // The same holds for every command, before any work.
    let run = repo.expect(&["setup-envs"], 2);
    assert!(run.stderr.contains("cycle"), "{}", run.all());
}

#[test]
fn malformed_toml_names_the_file_and_line() {
    let repo = Repo::sample();
    repo.write("projects/lib/pyproject.toml", "[project]\nname = \"e2e-lib\"\ndependencies = [\"tiny-a\"\n");
    expect_error(&repo, &["projects/lib/pyproject.toml is not valid TOML", "line 3"]);
}

#[test]
fn an_unknown_layer_names_the_project_and_the_known_layers() {
    let repo = Repo::sample();
    repo.project("gpu", &[], &["cuda"], "def test():\n    pass\n");
    expect_error(&repo, &["projects/gpu/pyproject.toml: unknown layer `cuda`", "declared layers: extra"]);
}

#[test]
fn a_member_folder_without_pyproject_is_an_error() {
    let repo = Repo::sample();
    repo.write("projects/notes/README.md", "not a project\n");
    expect_error(&repo, &["member folder projects/notes has no pyproject.toml", "exclude"]);
    // Excluding it is the fix.
    let config = repo.read("_meta/monorepo.toml");
    repo.write(
        "_meta/monorepo.toml",
        &config.replace("members = [\"projects/*\"]", "members = [\"projects/*\"]\nexclude = [\"projects/notes\"]"),
    );
    repo.expect(&["graph"], 0);
}

#[test]
fn two_members_with_one_project_name_is_an_error_naming_both() {
    let repo = Repo::sample();
    // A legacy copy of e2e-solo: which folder would a requirement on it name? Package names,
    // like project names, are unique across the repository.
    repo.write("projects/solo2/pyproject.toml", &repo.read("projects/solo/pyproject.toml"));
    expect_error(
        &repo,
        &["projects/solo and projects/solo2 both declare the package `e2e-solo`", "exclude = [\"projects/solo2\"]"],
    );
}

#[test]
fn an_unknown_project_on_the_command_line_lists_the_projects() {
    let repo = Repo::sample();
    let run = repo.expect(&["test", "nope"], 2);
    assert!(
        run.stderr.contains("no project named `nope`") && run.stderr.contains("app, core, lib, solo")
            || run.stderr.contains("the projects are:"),
        "{}",
        run.all()
    );
    let usage = repo.expect(&["lock", "--frobnicate"], 2);
    assert!(usage.stderr.contains("--frobnicate"), "{}", usage.all());
}

#[test]
fn graph_prints_dependencies_first_as_text_and_dot() {
    let repo = Repo::sample();
    let text = repo.expect(&["graph"], 0).stdout;
    assert_eq!(text, "core\nlib -> core\napp -> lib  [layers: extra]\nsolo\n");
    let dot = repo.expect(&["graph", "--format", "dot"], 0).stdout;
    assert!(
        dot.starts_with("digraph projects {")
            && dot.contains("\"app\" -> \"lib\";")
            && dot.contains("\"lib\" -> \"core\";"),
        "{dot}"
    );
}

#[test]
fn a_layer_cycle_and_an_unknown_parent_layer_are_errors() {
    let repo = Repo::sample();
    repo.write("_meta/requirements/gpu.in", "tiny-b\n");
    let config = repo.read("_meta/monorepo.toml");
    repo.write("_meta/monorepo.toml", &format!("{config}extends = [\"gpu\"]\n\n[layers.gpu]\nextends = [\"extra\"]\n"));
    expect_error(&repo, &["_meta/monorepo.toml: the layers extend each other in a cycle: extra -> gpu -> extra"]);
    repo.write("_meta/monorepo.toml", &format!("{config}extends = [\"cuda\"]\n"));
    expect_error(&repo, &["layer `extra` extends unknown layer `cuda`"]);
}

#[test]
fn shared_envs_need_one_python_and_their_own_name() {
    let repo = Repo::sample();
    // Naming another project's env joins it; naming a project that lives elsewhere is an error.
    repo.append("projects/core/pyproject.toml", "\n[tool.monorepo]\nenv = \"lib\"\n");
    repo.expect(&["graph"], 0);
    repo.append("projects/lib/pyproject.toml", "\n[tool.monorepo]\nenv = \"own\"\n");
    expect_error(&repo, &["env `lib` has the name of project projects/lib, which is not in it"]);
    repo.edit("projects/lib/pyproject.toml", "\n[tool.monorepo]\nenv = \"own\"\n", "");
    repo.edit("projects/core/pyproject.toml", "env = \"lib\"", "env = \"pair\"\npython = \"3.12\"");
    repo.append("projects/solo/pyproject.toml", "\n[tool.monorepo]\nenv = \"pair\"\n");
    expect_error(&repo, &["env `pair` is shared by projects that need different Pythons"]);
}
