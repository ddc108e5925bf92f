//! API reads that arrive together share one SQLite read transaction.
//!
//! Beginning and ending a read transaction is most of what an API read costs on
//! SQLite: the WAL read lock is taken and dropped with a lock call on the shared-memory
//! file, under a mutex every connection of the process shares (BENCHMARKS.md). Under
//! load an async worker has several requests ready at once. Each one's reads are
//! queued here, and a task that runs after them on the same worker runs the whole queue
//! in one read transaction, each request's reads in the order they came.
//!
//! Every request in a batch arrived before the transaction began, so each one sees
//! every write committed before it arrived: a deleted, disabled or regenerated key is
//! still refused on the very next request. Each request's outcome is its own: an
//! error or a panic in one of them is answered to that request only.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use actix_web::web;

use super::error::ApiError;
use crate::app::AppState;
use crate::db::{self, DbConnection};

/// One request's reads. It is given no connection when none could be had.
type Job = Box<dyn FnOnce(Option<&mut DbConnection>) + Send>;

/// Reads waiting on this worker, with the address of the application they belong to
/// (a test thread may serve several, each with its own database).
struct Waiting {
    app: usize,
    job: Job,
}

thread_local! {
    static WAITING: RefCell<Vec<Waiting>> = const { RefCell::new(Vec::new()) };
}

/// Runs `reads` in a read transaction shared with the other reads of `state`'s
/// application queued on this worker by the time the transaction begins.
pub async fn read<T, F>(state: &web::Data<AppState>, reads: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let (answer, answered) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move |conn| {
        let outcome = match conn {
            Some(conn) => catch_unwind(AssertUnwindSafe(|| reads(conn))).unwrap_or_else(|_| {
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
        waiting.push(Waiting { app, job });
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

/// Runs the reads of `state`'s application waiting on this worker: right here with an
/// idle connection, else on a blocking thread that waits for one.
async fn run_waiting(state: web::Data<AppState>) {
    let app = app_of(&state);
    let jobs: Vec<Job> = WAITING.with(|waiting| {
        let mut waiting = waiting.borrow_mut();
        waiting
            .extract_if(.., |w| w.app == app)
            .map(|w| w.job)
            .collect()
    });
    if let Some(mut conn) = state.pool.try_get() {
        return run_in_one_snapshot(&mut conn, jobs);
    }
    let pool = state.pool.clone();
    let waited = tokio::task::spawn_blocking(move || match pool.get() {
        Ok(mut conn) => run_in_one_snapshot(&mut conn, jobs),
        Err(cause) => {
            tracing::error!(cause = ?cause, "database unavailable");
            jobs.into_iter().for_each(|job| job(None));
        }
    });
    // Each job answers for itself, even when it panics, so there is nothing to report.
    let _ = waited.await;
}

/// Runs each job's reads, in order, in one read transaction; should the transaction
/// not begin, each job runs on its own.
fn run_in_one_snapshot(conn: &mut DbConnection, jobs: Vec<Job>) {
    let mut jobs = jobs.into_iter();
    let began = db::read_snapshot(conn, |conn| {
        jobs.by_ref().for_each(|job| job(Some(conn)));
        Ok::<_, diesel::result::Error>(())
    });
    if let Err(error) = began {
        tracing::warn!(error = %error, "an API read transaction could not be begun or ended");
    }
    jobs.for_each(|job| job(Some(conn)));
}

#[cfg(test)]
#[path = "read_batch_tests.rs"]
mod tests;
