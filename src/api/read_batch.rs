//! API reads that arrive together are served together: on SQLite in one read
//! transaction, and on either database with one lookup for all their joined reads
//! (`joined_read`).
//!
//! Beginning and ending a read transaction is most of what an API read costs on
//! SQLite: the WAL read lock is taken and dropped with a lock call on the shared-memory
//! file, under a mutex every connection of the process shares (BENCHMARKS.md). On
//! PostgreSQL, a request's round trip is most of it. Under load an async worker has
//! several requests ready at once. Each one's reads are queued here, and a task that runs
//! after them on the same worker runs the whole queue: first each kind of joined read
//! once for all the keys wanted, then each request's reads in the order they came. On
//! SQLite all of it runs in one read transaction; on PostgreSQL only joined reads are
//! queued, and each statement is its own snapshot.
//!
//! Every request in a batch arrived before its reads began, so each one sees every
//! write committed before it arrived: a deleted, disabled or regenerated key is still
//! refused on the very next request. Each request's outcome is its own: an error or a
//! panic in one of them is answered to that request only.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use actix_web::web;

use super::error::ApiError;
use super::joined_read::{Prefetched, Wanted};
use crate::app::AppState;
use crate::db::{self, DbConnection};

/// One request's reads, given what the batch's joined reads found. It is given no
/// connection when none could be had.
type Job = Box<dyn FnOnce(Option<&mut DbConnection>, &mut Prefetched) + Send>;

/// Reads waiting on this worker, with the address of the application they belong to
/// (a test thread may serve several, each with its own database) and the joined read
/// they want, if any.
struct Waiting {
    app: usize,
    wanted: Option<Wanted>,
    job: Job,
}

thread_local! {
    static WAITING: RefCell<Vec<Waiting>> = const { RefCell::new(Vec::new()) };
}

/// Runs `reads` together with the other reads of `state`'s application queued on this
/// worker by the time the batch begins, after the batch's joined reads, `wanted` among
/// them.
pub async fn read<T, F>(
    state: &web::Data<AppState>,
    wanted: Option<Wanted>,
    reads: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection, &mut Prefetched) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move |conn, prefetched| {
        let outcome = match conn {
            Some(conn) => catch_unwind(AssertUnwindSafe(|| reads(conn, prefetched)))
                .unwrap_or_else(|_| {
                    Err(ApiError::Internal(anyhow::anyhow!(
                        "an API request's database work panicked"
                    )))
                }),
            None => Err(ApiError::Unavailable),
        };
        // The request may have gone (its client hung up): nobody to answer then.
        let _ = answer.send(outcome);
    });
    let app = app_of(state);
    let first = WAITING.with(|waiting| {
        let mut waiting = waiting.borrow_mut();
        let first = !waiting.iter().any(|w| w.app == app);
        waiting.push(Waiting { app, wanted, job });
        first
    });
    if first {
        actix_web::rt::spawn(run_waiting(state.clone()));
    }
    answered.await.unwrap_or_else(|_| {
        Err(ApiError::Internal(anyhow::anyhow!(
            "an API request's reads were dropped unanswered"
        )))
    })
}

fn app_of(state: &AppState) -> usize {
    std::ptr::from_ref(state) as usize
}

/// Runs the reads of `state`'s application waiting on this worker. On SQLite, right here
/// with an idle connection, else on a blocking thread that waits for one; on PostgreSQL
/// always on a blocking thread, since each statement waits for the network.
async fn run_waiting(state: web::Data<AppState>) {
    let app = app_of(&state);
    let batch: Vec<Waiting> = WAITING.with(|waiting| {
        waiting
            .borrow_mut()
            .extract_if(.., |w| w.app == app)
            .collect()
    });
    let postgres = state.config.database.is_postgres();
    if !postgres && let Some(mut conn) = state.pool.try_get() {
        return run_in_one_snapshot(&mut conn, batch);
    }
    let pool = state.pool.clone();
    let waited = tokio::task::spawn_blocking(move || match pool.get() {
        Ok(mut conn) if postgres => run_batch(&mut conn, batch),
        Ok(mut conn) => run_in_one_snapshot(&mut conn, batch),
        Err(cause) => {
            tracing::error!(cause = ?cause, "database unavailable");
            let mut none = Prefetched::default();
            batch.into_iter().for_each(|w| (w.job)(None, &mut none));
        }
    });
    // Each job answers for itself, even when it panics, so there is nothing to report.
    let _ = waited.await;
}

/// Runs the batch's joined reads, then each job's reads, in order.
fn run_batch(conn: &mut DbConnection, batch: Vec<Waiting>) {
    let mut prefetched = Prefetched::find(conn, batch.iter().filter_map(|w| w.wanted.as_ref()));
    batch
        .into_iter()
        .for_each(|w| (w.job)(Some(conn), &mut prefetched));
}

/// As `run_batch`, in one read transaction; should the transaction not begin, the batch
/// runs without it.
fn run_in_one_snapshot(conn: &mut DbConnection, batch: Vec<Waiting>) {
    let mut pending = Some(batch);
    let began = db::read_snapshot(conn, |conn| {
        if let Some(batch) = pending.take() {
            run_batch(conn, batch);
        }
        Ok::<_, diesel::result::Error>(())
    });
    if let Err(error) = began {
        tracing::warn!(error = %error, "an API read transaction could not be begun or ended");
    }
    if let Some(batch) = pending {
        run_batch(conn, batch);
    }
}

#[cfg(test)]
#[path = "read_batch_tests.rs"]
mod tests;
