//! Dependency graphs: topological order and, when there is none, the cycle to show.
//!
//! Both the project graph and the layer graph go through [`topo_order`]; the workspace then
//! stores projects in that order, so an index order is always a dependency order.

use std::collections::BTreeSet;

/// Orders `n` nodes so that every dependency comes before its dependants. `deps[i]` lists
/// the nodes `i` depends on. Among nodes that are ready together the lowest index comes
/// first, so callers get a stable, readable order by indexing nodes by name. On a cycle,
/// returns its path with the first node repeated last.
pub fn topo_order(deps: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let mut waiting_on: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependants = vec![Vec::new(); deps.len()];
    for (node, node_deps) in deps.iter().enumerate() {
        for &dep in node_deps {
            dependants[dep].push(node);
        }
    }
    let mut ready: BTreeSet<usize> = (0..deps.len()).filter(|&n| waiting_on[n] == 0).collect();
    let mut order = Vec::with_capacity(deps.len());
    while let Some(node) = ready.pop_first() {
        order.push(node);
        for &next in &dependants[node] {
            waiting_on[next] -= 1;
            if waiting_on[next] == 0 {
                ready.insert(next);
            }
        }
    }
    if order.len() == deps.len() { Ok(order) } else { Err(find_cycle(deps)) }
}

/// Some cycle of a graph known to have one: a shortest cycle through the lowest node that
/// is on one, as `[a, b, a]` (a depends on b, b on a). Only on the error path, so a
/// breadth-first search from each candidate is cheap enough.
fn find_cycle(deps: &[Vec<usize>]) -> Vec<usize> {
    (0..deps.len())
        .find_map(|start| cycle_through(deps, start))
        .expect("a graph without a topological order has a cycle")
}

/// A shortest path of dependencies from `start` back to itself, if there is one.
fn cycle_through(deps: &[Vec<usize>], start: usize) -> Option<Vec<usize>> {
    let mut came_from: Vec<Option<usize>> = vec![None; deps.len()];
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for &dep in &deps[node] {
            if dep == start {
                // Walk back from `node` to `start`, then close the loop.
                let mut path = vec![node];
                while let Some(prev) = came_from[*path.last().expect("never empty")] {
                    path.push(prev);
                }
                path.reverse();
                path.push(start);
                return Some(path);
            }
            if came_from[dep].is_none() {
                came_from[dep] = Some(node);
                queue.push_back(dep);
            }
        }
    }
    None
}

/// The transitive dependencies of `node`, by index (a workspace's order: dependencies first).
pub fn closure(deps: &[Vec<usize>], node: usize) -> Vec<usize> {
    // Linear in the closure, not in the graph: `build_envs` asks it of every member.
    let mut seen = std::collections::HashSet::new();
    let mut stack = deps[node].clone();
    while let Some(n) = stack.pop() {
        if seen.insert(n) {
            stack.extend(&deps[n]);
        }
    }
    let mut out: Vec<usize> = seen.into_iter().collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_dependencies_first_and_keeps_index_order_on_ties() {
        // 0 web -> 1, 2; 1 scoring -> 3; 2 sources -> 3; 3 model.
        let deps = vec![vec![1, 2], vec![3], vec![3], vec![]];
        let order = topo_order(&deps).unwrap();
        let pos = |n| order.iter().position(|&x| x == n).unwrap();
        assert!(pos(3) < pos(1) && pos(3) < pos(2) && pos(1) < pos(0) && pos(2) < pos(0));
        assert_eq!(topo_order(&[vec![], vec![], vec![]]).unwrap(), [0, 1, 2]);
    }

    #[test]
    fn reports_the_cycle_path() {
        // 0 -> 1 -> 2 -> 0, and 3 -> 0 outside the cycle.
        let deps = vec![vec![1], vec![2], vec![0], vec![0]];
        let cycle = topo_order(&deps).unwrap_err();
        assert_eq!(cycle.len(), 4, "{cycle:?}");
        assert_eq!(cycle.first(), cycle.last());
        for pair in cycle.windows(2) {
            assert!(deps[pair[0]].contains(&pair[1]), "{cycle:?} is not a path of dependencies");
        }
    }

    #[test]
    fn reports_a_shortest_cycle_through_the_lowest_node_on_one() {
        // 0 -> 1 is outside; 1 -> 2 -> 3 -> 1 and the shortcut 1 -> 3; 4 -> 5 -> 4.
        let deps = vec![vec![1], vec![2, 3], vec![3], vec![1], vec![5], vec![4]];
        assert_eq!(topo_order(&deps).unwrap_err(), [1, 3, 1]);
    }

    #[test]
    fn a_self_dependency_is_a_cycle() {
        assert_eq!(topo_order(&[vec![0]]).unwrap_err(), [0, 0]);
    }

    #[test]
    fn closure_is_transitive_and_sorted() {
        let deps = vec![vec![], vec![0], vec![1], vec![2, 0]];
        assert_eq!(closure(&deps, 3), [0, 1, 2]);
        assert_eq!(closure(&deps, 0), Vec::<usize>::new());
    }
}
