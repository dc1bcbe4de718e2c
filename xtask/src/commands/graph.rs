//! `cargo xtask graph [--format text|dot|mermaid|json]`: the project graph, dependencies first.
//! Edges by kind: runtime (`deps`, ordering the graph), through a dependency group, by path.

use std::fmt::Write as _;

use crate::workspace::Workspace;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Text,
    /// Graphviz
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown)
    Mermaid,
    Json,
}

pub fn run(ws: &Workspace, format: Format) {
    crate::ui::out(&render(ws, format));
}

pub fn render(ws: &Workspace, format: Format) -> String {
    let mut out = String::new();
    match format {
        Format::Text => {
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
        Format::Dot => {
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
        Format::Mermaid => {
            // Ids are indices: a name may hold characters Mermaid reads as syntax.
            out.push_str("flowchart BT\n");
            for (ix, m) in ws.members.iter().enumerate() {
                let _ = writeln!(out, "    p{ix}[\"{}\"]", m.name.replace('"', "#quot;"));
            }
            for (ix, m) in ws.members.iter().enumerate() {
                for &d in &m.deps {
                    let _ = writeln!(out, "    p{ix} --> p{d}");
                }
                for &d in &m.group_deps {
                    let _ = writeln!(out, "    p{ix} -.->|group| p{d}");
                }
                for &d in &m.path_deps {
                    let _ = writeln!(out, "    p{ix} -.->|by path| p{d}");
                }
            }
        }
        Format::Json => {
            let names = |ix: &[usize]| ix.iter().map(|&d| ws.members[d].name.clone()).collect::<Vec<_>>();
            let projects: Vec<serde_json::Value> = ws
                .members
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "name": m.name,
                        "dir": m.dir,
                        "package": m.pyproject.package,
                        "env": ws.envs[m.env].name,
                        "layers": m.pyproject.layers,
                        "deps": names(&m.deps),
                        "group_deps": names(&m.group_deps),
                        "path_deps": names(&m.path_deps),
                    })
                })
                .collect();
            out = serde_json::to_string_pretty(&serde_json::json!({ "projects": projects })).expect("plain values");
            out.push('\n');
        }
    }
    out
}
