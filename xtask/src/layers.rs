//! Requirement layers: `_meta/requirements/<layer>.in`, each locked to `<layer>.txt`.
//!
//! `base` is implicit and under every env. Other layers are opted into by members and may
//! extend each other; they are ordered so a layer is locked after everything it extends.

use anyhow::Result;
use camino::{Utf8Path, Utf8PathBuf};

use crate::config::{LayerConfig, REQUIREMENTS_DIR};
use crate::error::hinted;
use crate::graph::topo_order;
use crate::inputs::{Item, Kind};
use crate::lockfile::IndexOptions;

pub const BASE: &str = "base";

#[derive(Debug, Clone)]
pub struct Layer {
    pub name: String,
    /// Every layer this one builds on, transitively, in layer order (base first); indices
    /// into the workspace's layers, which are themselves in layer order.
    pub extends: Vec<usize>,
    /// Every file its input is made of: the `.in` file, then what it includes (`-r`, `-c`),
    /// relative to the root; read once at load.
    pub inputs: Vec<Utf8PathBuf>,
    /// Those files as input items, by their requirement lines (a comment changes nothing).
    pub input_items: Vec<crate::inputs::Item>,
    /// The index options its input files hold (relative `find_links` relative to the root).
    pub index: IndexOptions,
    /// The requirements its input files hold (not their `-c` constraints), each with its
    /// file, line and the hashes written on it.
    pub requirements: Vec<crate::infile::Requirement>,
}

impl Layer {
    pub fn input(&self) -> Utf8PathBuf {
        input_path(&self.name)
    }

    pub fn lock(&self) -> Utf8PathBuf {
        Utf8PathBuf::from(format!("{REQUIREMENTS_DIR}/{}.txt", self.name))
    }
}

fn input_path(name: &str) -> Utf8PathBuf {
    Utf8PathBuf::from(format!("{REQUIREMENTS_DIR}/{name}.in"))
}

/// Orders the configured layers (base first, then each after what it extends) and reads
/// their inputs. `config_path` is named in errors.
pub fn resolve(root: &Utf8Path, config_path: &Utf8Path, configs: &[LayerConfig]) -> Result<Vec<Layer>> {
    let names: Vec<&str> = std::iter::once(BASE).chain(configs.iter().map(|c| c.name.as_str())).collect();
    let index = |name: &str| names.iter().position(|n| *n == name);
    let mut deps = vec![Vec::new()];
    for config in configs {
        let mut layer_deps = vec![0];
        for parent in &config.extends {
            let ix = index(parent).ok_or_else(|| {
                hinted(
                    format!("{config_path}: layer `{}` extends unknown layer `{parent}`", config.name),
                    format!("declare [layers.{parent}] or remove it; known layers: {}", names.join(", ")),
                )
            })?;
            layer_deps.push(ix);
        }
        deps.push(layer_deps);
    }
    let order = topo_order(&deps).map_err(|cycle| {
        let path: Vec<&str> = cycle.iter().map(|&i| names[i]).collect();
        hinted(
            format!("{config_path}: the layers extend each other in a cycle: {}", path.join(" -> ")),
            "remove one of these `extends`",
        )
    })?;
    let position: Vec<usize> = {
        let mut position = vec![0; order.len()];
        for (pos, &ix) in order.iter().enumerate() {
            position[ix] = pos;
        }
        position
    };
    order
        .iter()
        .map(|&ix| {
            let name = names[ix];
            let input = input_path(name);
            if !root.join(&input).is_file() {
                return Err(hinted(
                    format!("layer `{name}` has no input file {input}"),
                    format!("create {input} with one requirement per line"),
                ));
            }
            let tree = crate::infile::read_tree(root, &input)?;
            let input_items = tree
                .files
                .iter()
                .enumerate()
                .map(|(at, (file, digest))| {
                    let kind = if at == 0 { Kind::File } else { Kind::Include };
                    Item::new(kind, file.as_str(), digest.as_str(), format!("layer `{name}`"))
                })
                .collect();
            let mut extends: Vec<usize> = crate::graph::closure(&deps, ix).into_iter().map(|d| position[d]).collect();
            extends.sort_unstable();
            Ok(Layer {
                name: name.to_owned(),
                extends,
                inputs: tree.files.into_iter().map(|(f, _)| f).collect(),
                input_items,
                index: tree.index,
                requirements: tree.requirements,
            })
        })
        .collect()
}
