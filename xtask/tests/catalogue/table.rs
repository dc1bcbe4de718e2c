//! Table-driven rows of the catalogue: each row one distinct bad input, made on a fresh
//! sample monorepo by `setup`, then `args` run; the row asserts the exit code, every needle
//! in the output (stderr and stdout), a `hint:` for every usage or environment error (exit
//! 2), and that the run left the tree as `setup` left it. Rows run one after another and
//! every failing row is reported at once.

use super::support::{Repo, Run};
use super::{changes, snapshot};

/// One bad input.
pub struct Case {
    /// What is wrong, in a few words; distinct across the catalogue.
    pub name: &'static str,
    /// Makes the bad input on a fresh `Repo::sample()` (it may run the xtask first, say
    /// `lock`, to reach the state the row starts from).
    pub setup: fn(&Repo),
    pub args: &'static [&'static str],
    pub code: i32,
    /// Each must appear in what the run printed.
    pub needles: &'static [&'static str],
}

/// Runs every case; panics listing each one that did not hold.
pub fn check(cases: &[Case]) {
    let mut wrong = Vec::new();
    for case in cases {
        if let Err(why) = run(case) {
            wrong.push(format!("[{}] {why}", case.name));
        }
    }
    assert!(wrong.is_empty(), "{} of {} rows failed:\n\n{}", wrong.len(), cases.len(), wrong.join("\n\n"));
}

fn run(case: &Case) -> Result<(), String> {
    let repo = Repo::sample();
    (case.setup)(&repo);
    let before = snapshot(&repo);
    let run: Run = repo.xtask(case.args);
    let all = run.all();
    if run.code != case.code {
        return Err(format!("`xtask {}` exited {}, expected {}\n{all}", case.args.join(" "), run.code, case.code));
    }
    for needle in case.needles {
        if !all.contains(needle) {
            return Err(format!("missing `{needle}`\n{all}"));
        }
    }
    if case.code == 2 && !(run.stderr.contains("error: ") && run.stderr.contains("\nhint: ")) {
        return Err(format!("an error without `error:` and `hint:`\n{all}"));
    }
    let changed = changes(&before, &snapshot(&repo));
    if !changed.is_empty() {
        return Err(format!("the run wrote to the repo: {changed:#?}\n{all}"));
    }
    Ok(())
}
