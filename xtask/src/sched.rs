//! Runs a graph of jobs on a few threads: each job starts once everything it depends on has
//! succeeded. Among ready jobs, the one on the longest remaining chain of work starts first
//! (the chain's total `weights`, say recorded durations; one per job without them), then the
//! one with the most transitive dependants (as cargo orders its build queue): the critical
//! path starts as early as it can, and leaves fill idle slots at the end instead of delaying
//! it. Ties go to the lowest index.
//!
//! With `speculate`, a job whose dependencies have all started (and are still running) may
//! start too: when a slot would sit idle, or when its chain is strictly longer than every
//! ready job's. Its result is held until its dependencies succeed, and if one fails it is
//! cancelled and skipped. Wall time then approaches the least possible, max(longest job,
//! work / slots), instead of the longest chain. Only for jobs that do not need their
//! dependencies' output (test suites), never for locks.

use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// `f` of each item, in order, computed on one thread per CPU: for checks that read a few
/// files per env or suite and share nothing (a no-op's freshness checks), whose cost
/// grows with the number of projects. Small inputs stay on this thread.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(items.len() / 16);
    if threads < 2 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let parts: Vec<_> =
            items.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>())).collect();
        parts
            .into_iter()
            .flat_map(|part| part.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// What became of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status<T> {
    /// It ran; `ok` says whether it succeeded.
    Ran { value: T, ok: bool },
    /// It did not run (or, speculatively started, was cancelled) because this dependency
    /// failed (or was itself skipped).
    Skipped { because: usize },
    /// It did not run because an unrelated job failed and `keep_going` was off, or because
    /// a signal was received.
    NotRun,
    /// It panicked: a failed job, with the panic's message.
    Panicked(String),
}

impl<T> Status<T> {
    fn ok(&self) -> bool {
        matches!(self, Status::Ran { ok: true, .. })
    }
}

impl<X> Status<anyhow::Result<X>> {
    /// The error of a job that ran and failed, or panicked.
    pub fn error(self) -> Option<anyhow::Error> {
        match self {
            Status::Ran { value: Err(err), .. } => Some(err),
            Status::Panicked(message) => Some(anyhow::anyhow!("a job panicked: {message}")),
            _ => None,
        }
    }
}

/// How to run a graph of jobs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// At most this many at once (at least one).
    pub jobs: usize,
    /// After a failure, keep starting jobs that do not depend on it.
    pub keep_going: bool,
    /// With `keep_going`: run the dependants of a failed job too (their caller marks them).
    pub run_dependants: bool,
    /// Start a job whose dependencies are still running (see the module's doc).
    pub speculate: bool,
    /// Each job's expected cost, for its priority; empty: one each.
    pub weights: &'a [f64],
}

/// Runs jobs `0..deps.len()`; `deps[i]` lists the jobs `i` waits for. `work` returns the
/// job's value and whether it succeeded. At most `jobs` run at once. After a failure, jobs
/// that do not depend on it still start only when `keep_going` is set; after a signal, none
/// does. A job that panics is a failed job (its dependants are skipped), never a hang.
pub fn run<T, F>(deps: &[Vec<usize>], jobs: usize, keep_going: bool, work: F) -> Vec<Status<T>>
where
    T: Send,
    F: Fn(usize) -> (T, bool) + Sync,
{
    let options = Options { jobs, keep_going, ..Options::default() };
    run_with(deps, options, |job, _| work(job), |_, _| {})
}

/// [`run`] with every option. `work(job, cancel)` should stop early once `cancel` is set
/// (its result is then discarded). `settled(job, status)` is called on this thread once per
/// job, when its status is final: dependencies always settle before their dependants.
pub fn run_with<T, F, S>(deps: &[Vec<usize>], options: Options<'_>, work: F, mut settled: S) -> Vec<Status<T>>
where
    T: Send,
    F: Fn(usize, &AtomicBool) -> (T, bool) + Sync,
    S: FnMut(usize, &Status<T>),
{
    let n = deps.len();
    let mut status: Vec<Option<Status<T>>> = (0..n).map(|_| None).collect();
    // A job that finished before its dependencies did waits here for them.
    let mut held: Vec<Option<Status<T>>> = (0..n).map(|_| None).collect();
    let mut started = vec![false; n];
    let cancel: Vec<AtomicBool> = (0..n).map(|_| AtomicBool::new(false)).collect();
    let mut unsettled: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependants: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (job, job_deps) in deps.iter().enumerate() {
        for &dep in job_deps {
            dependants[dep].push(job);
        }
    }
    let chain = critical_paths(&dependants, options.weights);
    let count = dependant_counts(&dependants);
    // Longest chain first, then most dependants, then lowest index: `first` is the most urgent.
    let key = |job: usize| (Reverse(chain[job]), Reverse(count[job]), job);
    let mut ready: BTreeSet<_> = (0..n).filter(|&j| unsettled[j] == 0).map(key).collect();
    let mut running = 0;
    let mut failed = false;
    let (tx, rx) = mpsc::channel::<(usize, Result<(T, bool), String>)>();
    std::thread::scope(|scope| {
        loop {
            while running < options.jobs.max(1)
                && (options.keep_going || !failed)
                && crate::interrupt::received().is_none()
            {
                let waiting = |j: usize| !started[j] && status[j].is_none() && unsettled[j] > 0;
                let early = (options.speculate)
                    .then(|| {
                        (0..n).filter(|&j| waiting(j) && deps[j].iter().all(|&d| started[d])).min_by_key(|&j| key(j))
                    })
                    .flatten();
                // A ready job wins unless the early one's chain is strictly longer: a bet on
                // a result that may be thrown away is only worth the critical path.
                let next = match (ready.first().copied(), early) {
                    (Some(first), Some(job)) if chain[job] > chain[first.2] => Some(job),
                    (Some(first), _) => ready.pop_first().map(|_| first.2),
                    (None, early) => early,
                };
                let Some(job) = next else { break };
                started[job] = true;
                let tx = tx.clone();
                let (work, cancel) = (&work, &cancel[job]);
                running += 1;
                scope.spawn(move || {
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(job, cancel)))
                        .map_err(|panic| panic_message(&*panic));
                    // The receiver outlives every worker: it is only dropped after the scope.
                    let _ = tx.send((job, outcome));
                });
            }
            if running == 0 {
                break;
            }
            let (job, outcome) = rx.recv().expect("a worker always reports before exiting");
            running -= 1;
            if status[job].is_some() {
                continue; // skipped while it ran: its result is not wanted
            }
            let done = match outcome {
                Ok((value, ok)) => Status::Ran { value, ok },
                Err(message) => Status::Panicked(message),
            };
            if unsettled[job] > 0 {
                held[job] = Some(done);
                continue;
            }
            // Settle it, then whatever it unblocks, in dependency order.
            let mut queue = vec![(job, done)];
            while let Some((job, done)) = queue.pop() {
                let ok = done.ok();
                settled(job, &done);
                status[job] = Some(done);
                if !ok {
                    failed = true;
                }
                if ok || (options.keep_going && options.run_dependants) {
                    for &next in &dependants[job] {
                        unsettled[next] -= 1;
                        if unsettled[next] == 0 && status[next].is_none() {
                            match held[next].take() {
                                Some(result) => queue.push((next, result)),
                                None if !started[next] => {
                                    ready.insert(key(next));
                                }
                                None => {}
                            }
                        }
                    }
                } else {
                    for skipped in skip_dependants(job, &dependants, &mut status) {
                        ready.remove(&key(skipped));
                        held[skipped] = None;
                        cancel[skipped].store(true, Ordering::SeqCst);
                        settled(skipped, status[skipped].as_ref().expect("just skipped"));
                    }
                }
            }
        }
    });
    status
        .into_iter()
        .enumerate()
        .map(|(job, s)| {
            s.unwrap_or_else(|| {
                settled(job, &Status::NotRun);
                Status::NotRun
            })
        })
        .collect()
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Marks every job downstream of `failed` as skipped, and returns them.
fn skip_dependants<T>(failed: usize, dependants: &[Vec<usize>], status: &mut [Option<Status<T>>]) -> Vec<usize> {
    let mut skipped = Vec::new();
    let mut stack = vec![failed];
    while let Some(job) = stack.pop() {
        for &next in &dependants[job] {
            if status[next].is_none() {
                status[next] = Some(Status::Skipped { because: job });
                skipped.push(next);
                stack.push(next);
            }
        }
    }
    skipped
}

/// The total weight of the heaviest chain from each job through its dependants, in
/// thousandths (an integer, to order by).
fn critical_paths(dependants: &[Vec<usize>], weights: &[f64]) -> Vec<u64> {
    let weight = |j: usize| weights.get(j).copied().filter(|w| w.is_finite() && *w >= 0.0).unwrap_or(1.0);
    let mut memo: Vec<Option<f64>> = vec![None; dependants.len()];
    fn visit(j: usize, dependants: &[Vec<usize>], weight: &dyn Fn(usize) -> f64, memo: &mut [Option<f64>]) -> f64 {
        if let Some(done) = memo[j] {
            return done;
        }
        let longest = dependants[j].iter().map(|&d| visit(d, dependants, weight, memo)).fold(0.0, f64::max);
        let total = weight(j) + longest;
        memo[j] = Some(total);
        total
    }
    (0..dependants.len()).map(|j| (visit(j, dependants, &weight, &mut memo) * 1000.0).round() as u64).collect()
}

/// How many jobs transitively depend on each job.
fn dependant_counts(dependants: &[Vec<usize>]) -> Vec<usize> {
    (0..dependants.len())
        .map(|job| {
            let mut seen = vec![false; dependants.len()];
            let mut stack = vec![job];
            let mut count = 0;
            while let Some(j) = stack.pop() {
                for &next in &dependants[j] {
                    if !std::mem::replace(&mut seen[next], true) {
                        count += 1;
                        stack.push(next);
                    }
                }
            }
            count
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn runs_dependencies_first() {
        let deps = vec![vec![], vec![0], vec![0], vec![1, 2]];
        let log = Mutex::new(Vec::new());
        let result = run(&deps, 2, false, |job| {
            log.lock().unwrap().push(job);
            (job * 10, true)
        });
        let log = log.into_inner().unwrap();
        let pos = |j| log.iter().position(|&x| x == j).unwrap();
        assert!(pos(0) < pos(1) && pos(0) < pos(2) && pos(1) < pos(3) && pos(2) < pos(3));
        assert_eq!(result[3], Status::Ran { value: 30, ok: true });
    }

    #[test]
    fn map_keeps_the_order_of_its_items_on_every_thread_count() {
        for n in [0, 1, 15, 16, 33, 1000, 1001] {
            let items: Vec<usize> = (0..n).collect();
            let threads = Mutex::new(std::collections::HashSet::new());
            let out = map(&items, |&x| {
                threads.lock().unwrap().insert(std::thread::current().id());
                x * 2
            });
            assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>(), "{n} items");
            let cpus = std::thread::available_parallelism().map_or(1, usize::from);
            if n >= 1000 && cpus > 1 {
                assert!(threads.lock().unwrap().len() > 1, "{n} items ran on one thread");
            }
        }
    }

    #[test]
    fn starts_the_job_that_unblocks_most_work_first() {
        // 0 is a leaf; 1 has two dependants (2, then 3); with one slot, 1 and 2 go before 0,
        // then 0 and 3 (no dependants either) tie and go by index.
        let deps = vec![vec![], vec![], vec![1], vec![2]];
        let log = Mutex::new(Vec::new());
        run(&deps, 1, false, |job| {
            log.lock().unwrap().push(job);
            ((), true)
        });
        assert_eq!(log.into_inner().unwrap(), [1, 2, 0, 3]);
    }

    #[test]
    fn counts_transitive_dependants_once() {
        // A diamond: 0 <- 1, 0 <- 2, both <- 3.
        let dependants = vec![vec![1, 2], vec![3], vec![3], vec![]];
        assert_eq!(dependant_counts(&dependants), [3, 1, 1, 0]);
    }

    #[test]
    fn skips_dependants_of_a_failure_and_runs_the_rest_with_keep_going() {
        // 0 fails; 1 depends on 0; 2 on 1; 3 is independent.
        let deps = vec![vec![], vec![0], vec![1], vec![]];
        let result = run(&deps, 1, true, |job| ((), job != 0));
        assert_eq!(result[0], Status::Ran { value: (), ok: false });
        assert_eq!(result[1], Status::Skipped { because: 0 });
        assert_eq!(result[2], Status::Skipped { because: 1 });
        assert_eq!(result[3], Status::Ran { value: (), ok: true });
    }

    #[test]
    fn stops_starting_jobs_after_a_failure_without_keep_going() {
        let deps = vec![vec![], vec![], vec![]];
        let result = run(&deps, 1, false, |job| ((), job != 0));
        assert_eq!(result[0], Status::Ran { value: (), ok: false });
        assert_eq!(result[1..], [Status::NotRun, Status::NotRun]);
    }

    #[test]
    fn a_panicking_job_fails_and_its_dependants_are_skipped() {
        let deps = vec![vec![], vec![0], vec![]];
        let result = run(&deps, 2, true, |job| {
            assert!(job != 0, "job 0 breaks");
            ((), true)
        });
        assert!(matches!(&result[0], Status::Panicked(m) if m.contains("job 0 breaks")), "{result:?}");
        assert_eq!(result[1], Status::Skipped { because: 0 });
        assert_eq!(result[2], Status::Ran { value: (), ok: true });
    }

    #[test]
    fn runs_independent_jobs_concurrently() {
        // Two jobs that each wait for the other to have started can only finish in parallel.
        let started = std::sync::Barrier::new(2);
        let result = run(&[vec![], vec![]], 2, false, |_| {
            started.wait();
            ((), true)
        });
        assert!(result.iter().all(|s| matches!(s, Status::Ran { ok: true, .. })));
    }

    /// Waits (bounded, so a broken scheduler fails the test instead of hanging it) until `flag`.
    fn wait_for(flag: &AtomicBool) -> bool {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !flag.load(Ordering::SeqCst) {
            if std::time::Instant::now() > until {
                return false;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        true
    }

    fn speculative(jobs: usize) -> Options<'static> {
        Options { jobs, speculate: true, ..Options::default() }
    }

    #[test]
    fn starts_a_dependant_while_its_dependency_runs_and_settles_it_after() {
        // 1 needs 0; 0 finishes only once 1 has started, which it can only do speculatively.
        let one_started = AtomicBool::new(false);
        let order = Mutex::new(Vec::new());
        let result = run_with(
            &[vec![], vec![0]],
            speculative(2),
            |job, _| {
                if job == 1 {
                    one_started.store(true, Ordering::SeqCst);
                    return ((), true);
                }
                assert!(wait_for(&one_started), "1 never started while 0 ran");
                ((), true)
            },
            |job, _| order.lock().unwrap().push(job),
        );
        assert!(one_started.load(Ordering::SeqCst));
        assert_eq!(result, [Status::Ran { value: (), ok: true }, Status::Ran { value: (), ok: true }]);
        assert_eq!(order.into_inner().unwrap(), [0, 1], "a dependant settles after its dependency");
    }

    #[test]
    fn cancels_a_speculative_dependant_when_its_dependency_fails() {
        let one_started = AtomicBool::new(false);
        let saw_cancel = AtomicBool::new(false);
        let result = run_with(
            &[vec![], vec![0], vec![1]],
            speculative(3),
            |job, cancel| match job {
                0 => {
                    assert!(wait_for(&one_started));
                    ((), false)
                }
                1 => {
                    one_started.store(true, Ordering::SeqCst);
                    saw_cancel.store(wait_for(cancel), Ordering::SeqCst);
                    ((), true)
                }
                _ => ((), true),
            },
            |_, _| {},
        );
        assert!(saw_cancel.load(Ordering::SeqCst), "the running dependant was told to stop");
        assert_eq!(result[0], Status::Ran { value: (), ok: false });
        assert_eq!(result[1], Status::Skipped { because: 0 });
        assert_eq!(result[2], Status::Skipped { because: 1 });
    }

    #[test]
    fn without_speculation_a_dependant_waits() {
        let zero_done = AtomicBool::new(false);
        let result = run_with(
            &[vec![], vec![0]],
            Options { jobs: 2, ..Options::default() },
            |job, _| {
                if job == 0 {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    zero_done.store(true, Ordering::SeqCst);
                }
                ((), job == 0 || zero_done.load(Ordering::SeqCst))
            },
            |_, _| {},
        );
        assert_eq!(result[1], Status::Ran { value: (), ok: true });
    }

    #[test]
    fn runs_dependants_of_a_failure_when_asked() {
        let options = Options { jobs: 1, keep_going: true, run_dependants: true, ..Options::default() };
        let result = run_with(&[vec![], vec![0], vec![1]], options, |job, _| ((), job != 0), |_, _| {});
        assert_eq!(result[0], Status::Ran { value: (), ok: false });
        assert_eq!(result[1..], [Status::Ran { value: (), ok: true }, Status::Ran { value: (), ok: true }]);
    }

    /// The order jobs start in, one slot at a time after the first two.
    fn start_order(deps: &[Vec<usize>], weights: &[f64]) -> Vec<usize> {
        let log = Mutex::new(Vec::new());
        let options = Options { jobs: 2, speculate: true, weights, ..Options::default() };
        run_with(
            deps,
            options,
            |job, _| {
                let position = {
                    let mut log = log.lock().unwrap();
                    log.push(job);
                    log.len()
                };
                // The first two hold their slots until both have started, so a third job
                // cannot slip in and log first.
                if position <= 2 {
                    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
                    while log.lock().unwrap().len() < 2 && std::time::Instant::now() < until {
                        std::thread::sleep(std::time::Duration::from_millis(2));
                    }
                }
                ((), true)
            },
            |_, _| {},
        );
        log.into_inner().unwrap()
    }

    #[test]
    fn starts_the_critical_path_early_when_it_is_longer_than_any_ready_job() {
        // 1 needs 0; 2 is a ready leaf. With 0 and 1 heavy, 1 starts beside 0 before the leaf.
        let first_two = |mut order: Vec<usize>| {
            order.truncate(2);
            order.sort_unstable(); // the two threads may log in either order
            order
        };
        assert_eq!(first_two(start_order(&[vec![], vec![0], vec![]], &[3.0, 3.0, 1.0])), [0, 1]);
        // With nothing known, the ready leaf wins the tie: no bet without a reason.
        assert_eq!(first_two(start_order(&[vec![], vec![0], vec![]], &[])), [0, 2]);
    }

    #[test]
    fn the_heaviest_chain_goes_first() {
        // 0 -> 1 weighs 2; 2 alone weighs 5: 2 first, though 0 has a dependant.
        assert_eq!(critical_paths(&[vec![1], vec![], vec![]], &[1.0, 1.0, 5.0]), [2000, 1000, 5000]);
        assert_eq!(critical_paths(&[vec![1, 2], vec![3], vec![3], vec![]], &[]), [3000, 2000, 2000, 1000]);
    }
}
