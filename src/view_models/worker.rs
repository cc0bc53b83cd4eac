//! The store worker: runs cache queries off the UI thread and hands the results back to it.
//!
//! A query is a closure over [`Store`] that returns plain `Send` data; its `apply` closure runs
//! on the UI thread (through `slint::invoke_from_event_loop`) and may touch Slint models and
//! `Rc` state. The worker owns its own connection (a `Connection` is `Send`, not `Sync`), so the
//! UI thread never waits on SQLite.
//!
//! [`Worker::inline`] runs each query at once on the calling thread. It exists for offline
//! rendering (`readpoint screenshot`, where there is no event loop) and for single-threaded UI
//! tests; the kiosk itself always uses [`Worker::spawn`]. This module must never hold a lock or
//! block the UI thread, and never build Slint values on the worker thread.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::mpsc;
use std::thread;

use crate::store::Store;

type Job = Box<dyn FnOnce(&Store) + Send>;
type Reply = Box<dyn FnOnce(Box<dyn Any + Send>)>;

thread_local! {
    /// Apply closures waiting for their query, keyed by job number. Lives on the UI thread: the
    /// worker only ever posts a closure that looks its number up here.
    static PENDING: RefCell<HashMap<u64, Reply>> = RefCell::new(HashMap::new());
}

enum Mode {
    Threaded {
        jobs: mpsc::Sender<Job>,
        next_id: Cell<u64>,
    },
    Inline {
        store: Box<RefCell<Store>>,
    },
}

/// Runs store queries; cheap to clone (an `Rc`).
#[derive(Clone)]
pub struct Worker {
    mode: Rc<Mode>,
}

impl Worker {
    /// Starts the worker thread on `store` (which it owns from now on). The thread ends when
    /// the last clone of the returned `Worker` is dropped.
    pub fn spawn(store: Store) -> std::io::Result<Worker> {
        reading_cache(&store);
        let (jobs, queue) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("store-worker".into())
            .spawn(move || {
                for job in queue {
                    // A bug in one query must not stop every later one: the screen that asked
                    // simply gets no answer, and the kiosk keeps serving the others.
                    let run = std::panic::AssertUnwindSafe(|| job(&store));
                    if std::panic::catch_unwind(run).is_err() {
                        tracing::error!("a store query panicked; the worker goes on");
                    }
                }
            })?;
        Ok(Worker {
            mode: Rc::new(Mode::Threaded {
                jobs,
                next_id: Cell::new(0),
            }),
        })
    }

    /// A worker that runs every query at once on the calling thread (see the module docs).
    pub fn inline(store: Store) -> Worker {
        reading_cache(&store);
        Worker {
            mode: Rc::new(Mode::Inline {
                store: Box::new(RefCell::new(store)),
            }),
        }
    }

    /// Whether queries run on the calling thread.
    pub fn is_inline(&self) -> bool {
        matches!(*self.mode, Mode::Inline { .. })
    }

    /// Runs `query` on the worker, then `apply` with its result on the UI thread. With a
    /// threaded worker, `apply` runs later from the event loop; if the event loop has gone (the
    /// kiosk is shutting down) the result is dropped.
    pub fn run<T, Q, A>(&self, query: Q, apply: A)
    where
        T: Send + 'static,
        Q: FnOnce(&Store) -> T + Send + 'static,
        A: FnOnce(T) + 'static,
    {
        match &*self.mode {
            Mode::Inline { store } => {
                let result = query(&store.borrow());
                apply(result);
            }
            Mode::Threaded { jobs, next_id } => {
                let id = next_id.get();
                next_id.set(id.wrapping_add(1));
                PENDING.with(|pending| {
                    pending.borrow_mut().insert(
                        id,
                        Box::new(move |any: Box<dyn Any + Send>| {
                            if let Ok(result) = any.downcast::<T>() {
                                apply(*result);
                            }
                        }),
                    )
                });
                let job: Job = Box::new(move |store: &Store| {
                    let result: Box<dyn Any + Send> = Box::new(query(store));
                    let posted = slint::invoke_from_event_loop(move || {
                        let reply = PENDING.with(|pending| pending.borrow_mut().remove(&id));
                        if let Some(reply) = reply {
                            reply(result);
                        }
                    });
                    if let Err(err) = posted {
                        tracing::debug!(%err, "a query result arrived after the event loop ended");
                    }
                });
                if jobs.send(job).is_err() {
                    PENDING.with(|pending| pending.borrow_mut().remove(&id));
                    tracing::error!("the store worker has stopped; a query was dropped");
                }
            }
        }
    }
}

/// The page cache of the screens' connection, in KiB: what a screen's queries touch again soon
/// (the catalogue's index pages, the search index's structure), not the whole cache file (the
/// kiosk's memory target is 60 MiB in all). A large search's term lists outgrow any cache of
/// this size and are read from the operating system's copy of the file either way:
/// `readpoint-bench search` at 200,000 documents timed searches and chip counts the same with
/// 1 and 4 MiB.
pub const READING_CACHE_KIB: u32 = 1024;

fn reading_cache(store: &Store) {
    if let Err(err) = store.limit_page_cache(READING_CACHE_KIB) {
        tracing::warn!("the screens' page cache keeps its default size: {err}");
    }
}
