//! Who is calling the API. The middleware parses the key (prefix, length, checksum)
//! before any database work; then each handler runs its queries through `ApiCall::run`,
//! which in the same blocking call looks the key up by digest (`standing`: one indexed
//! query, no cache: a deleted, regenerated or expired key is refused on the very next
//! request on every instance), checks expiry, grace period, IP allow-list and what the
//! matched route needs (`api::ROUTES`), and only then counts the request against the
//! rate limit and records its use. One hop to
//! the blocking pool per request (with Redis, the rate limit's round trip to it happens
//! inside that hop: `metering::shared_budget`), or none for a read on SQLite
//! (`ApiCall::read`), and the refusal always comes before any other error. A read that
//! can be joined to the key's row (`ApiCall::read_joined`, `GET /api/team`) finds the key
//! and its data in one statement, shared by the requests served together
//! (`joined_read`): on PostgreSQL one round trip for a batch of them.

use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError, web};
use diesel::QueryResult;

use super::credentials::{NO_CREDENTIALS, credentials};
use super::error::ApiError;
use super::joined_read::{JoinedRead, Prefetched, Wanted};
use super::{ApiRoute, standing};
use crate::app::AppState;
use crate::db::{self, DbConnection};
use crate::domain::api_key::{KeyDigest, KeyFormatError, PlainKey};
use crate::domain::key_access::Need;
use crate::domain::key_settings::AllowedIps;
use crate::domain::scopes::Scopes;
use crate::metering::rate_limit::Allowance;
use crate::models::PublicIds;
use crate::models::api_key::KeyGate;

/// The key a request was authenticated with.
#[derive(Debug, Clone)]
pub struct AuthedKey {
    pub key_id: i32,
    pub workspace_id: i32,
    /// The member who created the key, if still in the workspace.
    pub created_by: Option<i32>,
    /// How this install makes public ids, for the handler's answer.
    pub ids: PublicIds,
}

/// A well-formed key and what the checks need, found by the middleware.
#[derive(Clone)]
struct KeyCandidate {
    digest: KeyDigest,
    safe_method: bool,
    ip: Option<IpAddr>,
    agent: String,
    /// What the matched route needs (none for an unknown path, which answers 404).
    needs: Option<Need>,
}

/// A handler's access to the database as the caller's key (see the module doc).
pub struct ApiCall {
    req: HttpRequest,
    state: web::Data<AppState>,
    candidate: KeyCandidate,
}

impl FromRequest for ApiCall {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let candidate = req.extensions().get::<KeyCandidate>().cloned();
        ready(match candidate {
            Some(mut candidate) => Ok(Self {
                // The route is known only once the scope's router has matched it, so
                // here rather than in the middleware.
                candidate: {
                    candidate.needs = req
                        .match_pattern()
                        .and_then(|pattern| ApiRoute::matched(req.method().as_str(), &pattern))
                        .map(|route| route.needs);
                    candidate
                },
                req: req.clone(),
                state: AppState::of(req),
            }),
            None => Err(unauthorized("missing_key", NO_CREDENTIALS)),
        })
    }
}

impl ApiCall {
    /// The caller's address and user agent, as "Last used" records them.
    pub fn client(&self) -> (String, String) {
        (
            crate::client_ip::display(self.candidate.ip),
            self.candidate.agent.clone(),
        )
    }

    pub fn config(&self) -> &crate::config::Config {
        &self.state.config
    }

    /// How this install makes public ids (`tea_…`, `usr_…`) for the answer.
    pub fn public_ids(&self) -> PublicIds {
        self.state.public_ids.clone()
    }

    /// The caller's address, as the audit log and "Last used" show it.
    pub fn client_ip(&self) -> String {
        crate::client_ip::display(self.candidate.ip)
    }

    /// Verifies the key, counts the request, then runs `f` on the same connection, on a
    /// blocking thread.
    pub async fn run<T, F>(self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection, &AuthedKey) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.serve(Hop::Blocking, None, move |state, candidate, conn, _| {
            checked(state, candidate, conn, f)
        })
        .await
    }

    /// As `run`, for a handler that only reads. On SQLite with the rate limit in memory, it
    /// runs on this async worker, in one read transaction with the other API reads ready on
    /// it (`read_batch`): a WAL reader never waits for the writer, and an indexed read costs
    /// less than the hop to a blocking thread. Otherwise it is `run`.
    pub async fn read<T, F>(self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection, &AuthedKey) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.serve(Hop::ReadBatch, None, move |state, candidate, conn, _| {
            checked(state, candidate, conn, f)
        })
        .await
    }

    /// As `read`, for a handler whose whole read can be joined to the key's row: `L`
    /// reads the key whose current secret has the given digest together with the data,
    /// so one statement both finds the key and reads, and the requests served together
    /// share that statement (`joined_read`: one round trip to PostgreSQL for all of
    /// them). The key's checks and the count then follow as in `read`, and the data is
    /// dropped unread if the key is refused. A secret `L` does not find is no key's
    /// current one: only the old secrets are looked up then, also once for the batch (one
    /// in its grace period works), and `f` reads.
    pub async fn read_joined<L, F>(self, _read: L, f: F) -> Result<L::Data, ApiError>
    where
        L: JoinedRead,
        F: FnOnce(&mut DbConnection, &AuthedKey) -> Result<L::Data, ApiError> + Send + 'static,
    {
        let wanted = Wanted::new::<L>(self.candidate.digest);
        self.serve(
            Hop::ReadBatch,
            Some(wanted),
            move |state, candidate, conn, batch| {
                let now = db::now();
                match batch.take::<L>(&candidate.digest) {
                    Some(Some((key, read))) => {
                        let key = admit(state, candidate, standing::judge(key, false, now));
                        counted(state, candidate, key, |_| Ok(read))
                    }
                    Some(None) => {
                        let found = batch.gate_previous(conn, &candidate.digest, now);
                        admitted(state, candidate, conn, found, f)
                    }
                    None => checked(state, candidate, conn, f),
                }
            },
        )
        .await
    }

    /// Runs one request's database work (`work`: the checks, the count and the handler's
    /// part) where `hop` says, after the joined read it wants, and keeps the allowance for
    /// the rate-limit headers.
    async fn serve<T, W>(self, hop: Hop, wanted: Option<Wanted>, work: W) -> Result<T, ApiError>
    where
        W: FnOnce(&AppState, &KeyCandidate, &mut DbConnection, &mut Prefetched) -> Checked<T>
            + Send
            + 'static,
        T: Send + 'static,
    {
        let state = self.state.clone();
        let candidate = self.candidate;
        let work = move |conn: &mut DbConnection, found: &mut Prefetched| {
            work(&state, &candidate, conn, found)
        };
        // On PostgreSQL only joined reads batch: others would wait on each other's round trips.
        let batch = hop == Hop::ReadBatch
            && (wanted.is_some() || !self.state.config.database.is_postgres())
            && !self.state.rate_limiter.uses_redis();
        let (allowance, result) = if batch {
            super::read_batch::read(&self.state, wanted, work).await?
        } else {
            db::with_connection(&self.state.pool, move |conn| {
                let mut found = Prefetched::find(conn, wanted.as_ref());
                Ok::<_, ApiError>(work(conn, &mut found))
            })
            .await??
        };
        self.req.extensions_mut().insert(allowance);
        result
    }
}

/// Where a request's database work may run: on a blocking thread, or in the worker's read
/// batch (for a read with the rate limit in memory; on PostgreSQL, a joined read only).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hop {
    Blocking,
    ReadBatch,
}

/// A request's checks and count done: its allowance and the handler's result, or the
/// error that stopped it before anything was counted.
type Checked<T> = Result<(Allowance, Result<T, ApiError>), ApiError>;

/// Verifies the key, counts the request, then runs `f` on the same connection.
fn checked<T, F>(
    state: &AppState,
    candidate: &KeyCandidate,
    conn: &mut DbConnection,
    f: F,
) -> Checked<T>
where
    F: FnOnce(&mut DbConnection, &AuthedKey) -> Result<T, ApiError>,
{
    let found = standing::gate(conn, &candidate.digest, db::now());
    admitted(state, candidate, conn, found, f)
}

/// Judges the key looked up (`found`), counts the request, then runs `f` on the same
/// connection.
fn admitted<T, F>(
    state: &AppState,
    candidate: &KeyCandidate,
    conn: &mut DbConnection,
    found: QueryResult<Result<standing::Working<KeyGate>, standing::Refusal>>,
    f: F,
) -> Checked<T>
where
    F: FnOnce(&mut DbConnection, &AuthedKey) -> Result<T, ApiError>,
{
    let key = found
        .map_err(ApiError::from)
        .and_then(|found| admit(state, candidate, found));
    counted(state, candidate, key, |key| f(conn, key))
}

/// Counts a request whose key was checked: a refusal in the metrics only (it leaves the
/// allowance uncounted, and the gate then reports the untouched limit), an accepted key
/// against the rate limit and in its "Last used"; then `then` runs, unless the limit
/// refused the request.
fn counted<T>(
    state: &AppState,
    candidate: &KeyCandidate,
    key: Result<AuthedKey, ApiError>,
    then: impl FnOnce(&AuthedKey) -> Result<T, ApiError>,
) -> Checked<T> {
    let key = key.inspect_err(|refused| {
        if let Some(code) = refused.refusal_code() {
            state.metrics.key_refused(code);
        }
    })?;
    state.metrics.key_accepted();
    let allowance = state.rate_limiter.check(key.key_id);
    if let Some(wait) = allowance.retry_after {
        state.metrics.rate_limited();
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let refusal = ApiError::TooManyRequests {
            retry_after_secs: secs.max(1),
        };
        return Ok((allowance, Err(refusal)));
    }
    let ip = crate::client_ip::display(candidate.ip);
    state
        .usage
        .record(key.key_id, db::now(), &ip, &candidate.agent);
    Ok((allowance, then(&key)))
}

fn unauthorized(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::Unauthorized {
        code,
        message: message.into(),
    }
}

fn format_problem(problem: KeyFormatError) -> ApiError {
    let refusal = standing::malformed(problem);
    unauthorized(refusal.code, refusal.message)
}

/// The middleware's part: a well-formed key, or the reason there is none.
fn candidate(req: &ServiceRequest, state: &AppState) -> Result<KeyCandidate, ApiError> {
    let raw = credentials(req)?.ok_or_else(|| unauthorized("missing_key", NO_CREDENTIALS))?;
    let plain = PlainKey::parse(&raw).map_err(format_problem)?;
    Ok(KeyCandidate {
        digest: plain.digest(),
        safe_method: matches!(
            *req.method(),
            actix_web::http::Method::GET | actix_web::http::Method::HEAD
        ),
        ip: crate::client_ip::resolve(
            req.peer_addr().map(|a| a.ip()),
            req.headers(),
            &state.config.trusted_proxies,
        ),
        agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
        needs: None,
    })
}

/// What the request may do with a key found and judged (`standing`): the caller, or why
/// the key is refused this request (its standing, the address, its access).
fn admit(
    state: &AppState,
    candidate: &KeyCandidate,
    found: Result<standing::Working<KeyGate>, standing::Refusal>,
) -> Result<AuthedKey, ApiError> {
    let key = found
        .map_err(|refusal| unauthorized(refusal.code, refusal.message))?
        .key;
    let allowed = AllowedIps::from_stored(&key.allowed_ips);
    if !allowed.is_empty() && !candidate.ip.is_some_and(|ip| allowed.allows(ip)) {
        return Err(ApiError::Forbidden {
            code: "ip_not_allowed",
            message: format!(
                "This API key only accepts requests from {}; this request came from {}.",
                allowed.display(),
                candidate
                    .ip
                    .map(|ip| ip.to_string())
                    .unwrap_or_else(|| "an unknown address".into())
            ),
        });
    }
    let access = key.grants();
    // "Verify keys" changes no data, so a Read only key may hold it and use it.
    let verifying = candidate.needs == Some(Need::VerifyKeys);
    if access.scopes == Scopes::ReadOnly && !candidate.safe_method && !verifying {
        return Err(ApiError::Forbidden {
            code: "read_only_key",
            message: format!(
                "The API key \"{}\" is read only: it may make GET requests only. Use a key with full access to change data.",
                key.name
            ),
        });
    }
    if let Some(needs) = candidate.needs.filter(|needs| !access.allows(*needs)) {
        return Err(ApiError::Forbidden {
            code: "insufficient_scope",
            message: format!(
                "The API key \"{}\" lacks the scope {} ({}) that this request needs; its access is \"{}\". An admin or the key's creator can change it with \"Edit access\" in Settings → Integrations.",
                key.name,
                needs.code(),
                needs.words(),
                access.describe()
            ),
        });
    }
    Ok(AuthedKey {
        key_id: key.id,
        workspace_id: key.workspace_id,
        created_by: key.created_by,
        ids: state.public_ids.clone(),
    })
}

/// The gate in front of every key-authenticated endpoint: no key or a malformed one
/// is refused here; every response gets the rate-limit headers.
pub async fn require_api_key(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = AppState::of(req.request());
    match candidate(&req, &state) {
        Ok(candidate) => {
            req.extensions_mut().insert(candidate);
        }
        Err(error) => {
            if let Some(code) = error.refusal_code() {
                state.metrics.key_refused(code);
            }
            let mut response = error.error_response();
            super::rate_headers::set(response.headers_mut(), &state.rate_limiter.uncounted());
            return Ok(req.into_response(response).map_into_right_body());
        }
    }
    let mut response = next.call(req).await?;
    let allowance = response
        .request()
        .extensions()
        .get::<Allowance>()
        .copied()
        .unwrap_or_else(|| state.rate_limiter.uncounted());
    super::rate_headers::set(response.headers_mut(), &allowance);
    Ok(response.map_into_left_body())
}
