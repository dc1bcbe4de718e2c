//! `cargo xtask graph [--format text|dot]`: the project graph, dependencies first.

use std::fmt::Write as _;

use crate::flags::GraphFormat;
use crate::workspace::Workspace;

pub fn run(ws: &Workspace, format: GraphFormat) {
    crate::ui::out(&render(ws, format));
}

pub fn render(ws: &Workspace, format: GraphFormat) -> String {
    let mut out = String::new();
    match format {
        GraphFormat::Text => {
            for m in &ws.members {
                let mut deps: Vec<String> = m.deps.iter().map(|&d| ws.members[d].name.clone()).collect();
                deps.extend(m.group_deps.iter().map(|&d| format!("{} (group)", ws.members[d].name)));
                deps.extend(m.path_deps.iter().map(|&d| format!("{} (by path)", ws.members[d].name)));
                let layers: Vec<&str> = m.pyproject.layers.iter().map(String::as_str).collect();
                let _ = write!(out, "{}", m.name);
                if !deps.is_empty() {
                    let _ = write!(out, " -> {}", deps.join(", "));
                }
                if !layers.is_empty() {
                    let _ = write!(out, "  [layers: {}]", layers.join(", "));
                }
                out.push('\n');
            }
        }
        GraphFormat::Dot => {
            out.push_str("digraph projects {\n    rankdir = \"BT\";\n");
            for m in &ws.members {
                let _ = writeln!(out, "    \"{}\";", m.name);
                for &d in &m.deps {
                    let _ = writeln!(out, "    \"{}\" -> \"{}\";", m.name, ws.members[d].name);
                }
                for &d in &m.group_deps {
                    let _ = writeln!(out, "    \"{}\" -> \"{}\" [style = dotted];", m.name, ws.members[d].name);
                }
                for &d in &m.path_deps {
                    let _ = writeln!(out, "    \"{}\" -> \"{}\" [style = dashed];", m.name, ws.members[d].name);
                }
            }
            out.push_str("}\n");
        }
    }
    out
}
