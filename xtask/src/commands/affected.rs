//! `cargo xtask affected [--since REF]`: the projects a change touches, one per line on
//! stdout in dependency order, with the reason for each on stderr. `test-all --affected`
//! selects its suites the same way.

use std::time::Instant;

use anyhow::Result;

use crate::affected;
use crate::ui;
use crate::workspace::Workspace;

pub fn run(ws: &Workspace, base: &str) -> Result<()> {
    for m in select(ws, base)? {
        crate::ui::out(&format!("{}\n", ws.members[m].name));
    }
    Ok(())
}

/// The members touched by the changes since `base`, in dependency order, each reported.
pub fn select(ws: &Workspace, base: &str) -> Result<Vec<usize>> {
    let start = Instant::now();
    let files = affected::changed_files(&ws.root, base)?;
    let reasons = affected::of_files(ws, &files);
    let selected: Vec<usize> = (0..ws.members.len()).filter(|&m| reasons[m].is_some()).collect();
    ui::status(
        "Affected",
        &format!(
            "{} of {} by {} since {base} ({})",
            selected.len(),
            ui::count(ws.members.len(), "project"),
            ui::count(files.len(), "changed file"),
            ui::elapsed(start.elapsed())
        ),
    );
    for &m in &selected {
        let why = reasons[m].as_ref().expect("selected members have a reason").describe(ws);
        crate::ui::err(&format!("{:>12} {}: {why}\n", "", ws.members[m].name));
    }
    Ok(selected)
}
