//! The key-authenticated JSON API, in lemlist's dialect: same paths, parameters,
//! field names (`_id`, camelCase, `cam_…` ids) and status codes for the endpoints
//! served here, so a lemlist client connects by changing only its base URL.

pub mod activities;
pub mod auth;
pub mod campaign_stats;
pub mod campaigns;
mod credentials;
pub mod dates;
pub mod error;
pub mod hooks;
pub mod inputs;
mod joined_read;
pub mod keys;
pub mod lead_pause;
pub mod leads;
pub mod openapi;
mod openapi_paths;
mod rate_headers;
mod read_batch;
mod standing;
pub mod team;
pub mod unserved;
pub mod unsubscribes;

use std::sync::LazyLock;

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, web};
use time::PrimitiveDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

use crate::domain::key_access::Need;
use crate::domain::scopes::{Level, Permission, Resource};
use error::ApiError;

/// One key-authenticated route: its method, its path under `/api`, and what it needs.
#[derive(Debug, Clone, Copy)]
pub struct ApiRoute {
    /// Lower case, as written in the table: "get", "post", "delete".
    pub method: &'static str,
    pub path: &'static str,
    /// A scope (Read for GET, Write otherwise), or the "Verify keys" permission.
    pub needs: Need,
}

impl ApiRoute {
    /// The route a request matched, from its method and matched pattern (`/api/...`).
    pub fn matched(method: &str, pattern: &str) -> Option<&'static ApiRoute> {
        let path = pattern.strip_prefix("/api").unwrap_or(pattern);
        let method = if method.eq_ignore_ascii_case("head") {
            "get"
        } else {
            method
        };
        ROUTES
            .iter()
            .find(|r| r.path == path && r.method.eq_ignore_ascii_case(method))
    }
}

/// Declares every key-authenticated route once, with what it needs: the router, the
/// access check, the OpenAPI document and the tests all read it. A route cannot be
/// declared without a scope (`Resource: Level`) or `VerifyKeys`.
macro_rules! api_routes {
    ($($method:ident $path:literal ($($need:tt)+) => $handler:path;)+) => {
        /// Every route under `/api`, as registered.
        pub const ROUTES: &[ApiRoute] = &[$(ApiRoute {
            method: stringify!($method),
            path: $path,
            needs: need!($($need)+),
        }),+];

        fn register(scope: actix_web::Scope) -> actix_web::Scope {
            scope$(.route($path, web::$method().to($handler)))+
        }
    };
}

/// One route's need, as written in the table.
macro_rules! need {
    (VerifyKeys) => {
        Need::VerifyKeys
    };
    ($resource:ident: $level:ident) => {
        Need::Scope(Permission::new(Resource::$resource, Level::$level))
    };
}

api_routes! {
    get "/team" (Team: Read) => team::get_team;
    get "/campaigns" (Campaigns: Read) => campaigns::list_campaigns;
    post "/campaigns" (Campaigns: Write) => campaigns::create_campaign;
    get "/campaigns/{campaignId}" (Campaigns: Read) => campaigns::get_campaign;
    get "/campaigns/{campaignId}/stats" (Campaigns: Read) => campaign_stats::campaign_stats;
    post "/campaigns/{campaignId}/leads" (Leads: Write) => leads::add_lead_from_body;
    post "/campaigns/{campaignId}/leads/{email}" (Leads: Write) => leads::add_lead;
    delete "/campaigns/{campaignId}/leads/{email}" (Leads: Write) => leads::remove_lead;
    get "/leads/{email}" (Leads: Read) => leads::get_lead;
    post "/leads/pause/{leadId}" (Leads: Write) => lead_pause::pause_lead;
    post "/leads/start/{leadId}" (Leads: Write) => lead_pause::resume_lead;
    get "/activities" (Activities: Read) => activities::list_activities;
    get "/unsubscribes" (Unsubscribes: Read) => unsubscribes::list_unsubscribes;
    get "/unsubscribes/{email}" (Unsubscribes: Read) => unsubscribes::get_unsubscribe;
    post "/unsubscribes/{email}" (Unsubscribes: Write) => unsubscribes::add_unsubscribe;
    delete "/unsubscribes/{email}" (Unsubscribes: Write) => unsubscribes::remove_unsubscribe;
    get "/hooks" (Hooks: Read) => hooks::list_hooks;
    post "/hooks" (Hooks: Write) => hooks::create_hook;
    delete "/hooks/{hookId}" (Hooks: Write) => hooks::delete_hook;
    post "/keys/verify" (VerifyKeys) => keys::verify_key;
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/openapi.json", web::get().to(openapi::openapi_json))
        .service(
            unserved::register(register(web::scope("/api")))
                .app_data(web::QueryConfig::default().error_handler(|e, _| {
                    ApiError::BadRequest {
                        field: None,
                        message: format!("The query string could not be read: {e}"),
                    }
                    .into()
                }))
                .app_data(
                    web::PathConfig::default()
                        .error_handler(|_, _| ApiError::NotFound("Not found.".into()).into()),
                )
                .wrap(from_fn(auth::require_api_key))
                .default_service(web::to(unknown_route)),
        );
}

/// Unknown paths under `/api`: the key is still checked first, then 405 with `Allow` for
/// a known path asked with another method, else 404.
async fn unknown_route(
    req: actix_web::HttpRequest,
    call: auth::ApiCall,
) -> Result<HttpResponse, ApiError> {
    call.run(|_, _| Ok(())).await?;
    let allowed = methods_of(req.path());
    if !allowed.is_empty() {
        return Err(ApiError::MethodNotAllowed {
            message: format!(
                "{} is not served on this endpoint; use {}.",
                req.method(),
                allowed.join(" or ")
            ),
            allow: allowed.join(", "),
        });
    }
    Err(ApiError::NotFound(
        "There is no such API endpoint. See /docs/api for the list.".into(),
    ))
}

/// The methods the route table serves at `path` (`/api/...`), upper case, HEAD with GET.
fn methods_of(path: &str) -> Vec<String> {
    // Compiling a route's pattern takes longer than the rest of such a request: once.
    static PATTERNS: LazyLock<Vec<(actix_web::dev::ResourceDef, String)>> = LazyLock::new(|| {
        ROUTES
            .iter()
            .map(|r| {
                let pattern = actix_web::dev::ResourceDef::new(format!("/api{}", r.path));
                (pattern, r.method.to_uppercase())
            })
            .collect()
    });
    let mut methods: Vec<String> = PATTERNS
        .iter()
        .filter(|(pattern, _)| pattern.is_match(path))
        .map(|(_, method)| method.clone())
        .collect();
    if methods.iter().any(|m| m == "GET") {
        methods.push("HEAD".into());
    }
    methods
}

const JSON_TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// Timestamps as lemlist writes them: `2025-01-16T13:53:22.726Z`.
pub fn json_time(t: PrimitiveDateTime) -> String {
    t.format(JSON_TIME).unwrap_or_default()
}

/// `offset` and `limit` of a list request: limit 1 to 100 (default 100), offset from 0.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub offset: i64,
    pub limit: i64,
}

impl Paging {
    pub const MAX_LIMIT: i64 = 100;
    /// As far as any list could reach; the documented maximum of `offset`.
    pub const MAX_OFFSET: i64 = 1_000_000_000;

    /// From a request's `offset` and `limit` query parameters.
    pub fn from_query(query: &std::collections::HashMap<String, String>) -> Result<Self, ApiError> {
        Self::parse(
            query.get("offset").map(String::as_str),
            query.get("limit").map(String::as_str),
        )
    }

    pub fn parse(offset: Option<&str>, limit: Option<&str>) -> Result<Self, ApiError> {
        let offset = match offset {
            None => 0,
            Some(raw) => whole_number(raw)
                .filter(|n| (0..=Self::MAX_OFFSET).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_field(
                        "offset",
                        format!(
                            "offset must be a whole number from 0 to {}, not \"{raw}\".",
                            Self::MAX_OFFSET
                        ),
                    )
                })?,
        };
        let limit = match limit {
            None => Self::MAX_LIMIT,
            Some(raw) => whole_number(raw)
                .filter(|n| (1..=Self::MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    ApiError::bad_field(
                        "limit",
                        format!(
                            "limit must be a whole number from 1 to {}, not \"{raw}\".",
                            Self::MAX_LIMIT
                        ),
                    )
                })?,
        };
        Ok(Self { offset, limit })
    }
}

/// An integer query parameter written as JSON writes integers (`0`, `42`, `-3`: no sign
/// `+`, no leading zeros, no spaces); `None` for anything else, the empty string included.
pub fn whole_number(raw: &str) -> Option<i64> {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    canonical.then(|| raw.parse().ok()).flatten()
}

/// A query parameter that may only take one of `allowed` (when sent at all).
pub fn one_of<'q>(
    query: &'q std::collections::HashMap<String, String>,
    name: &'static str,
    allowed: &[&str],
) -> Result<Option<&'q str>, ApiError> {
    match query.get(name).map(String::as_str) {
        None => Ok(None),
        Some(value) if allowed.contains(&value) => Ok(Some(value)),
        Some(other) => Err(ApiError::bad_field(
            name,
            format!("{name} must be {}, not \"{other}\".", or_list(allowed)),
        )),
    }
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [only] => (*only).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_to_100_and_refuses_more() {
        let p = Paging::parse(None, None).unwrap();
        assert_eq!((p.offset, p.limit), (0, 100));
        let p = Paging::parse(Some("20"), Some("5")).unwrap();
        assert_eq!((p.offset, p.limit), (20, 5));
        assert!(Paging::parse(None, Some("101")).is_err());
        assert!(Paging::parse(None, Some("0")).is_err());
        assert!(Paging::parse(Some("-1"), None).is_err());
        assert!(Paging::parse(Some("x"), None).is_err());
        for not_a_number in ["", "+5", "05", " 5", "5 ", "1e3"] {
            assert!(
                Paging::parse(None, Some(not_a_number)).is_err(),
                "{not_a_number:?}"
            );
        }
        assert!(Paging::parse(Some("1000000001"), None).is_err());
    }

    #[test]
    fn reads_need_read_and_every_other_method_write() {
        for route in ROUTES {
            let Need::Scope(needs) = route.needs else {
                continue;
            };
            let expected = if route.method == "get" {
                Level::Read
            } else {
                Level::Write
            };
            assert_eq!(needs.level, expected, "{} {}", route.method, route.path);
        }
    }

    #[test]
    fn a_matched_pattern_finds_its_route_and_scope() {
        let route = ApiRoute::matched("POST", "/api/campaigns").unwrap();
        assert_eq!(route.needs.code(), "campaigns:write");
        let route = ApiRoute::matched("HEAD", "/api/campaigns/{campaignId}/leads/{email}");
        assert!(route.is_none(), "no GET on that path");
        assert!(ApiRoute::matched("GET", "/api/nowhere").is_none());
        let verify = ApiRoute::matched("POST", "/api/keys/verify").unwrap();
        assert_eq!(verify.needs, Need::VerifyKeys);
    }

    #[test]
    fn json_times_have_milliseconds() {
        assert_eq!(
            json_time(time::macros::datetime!(2025-01-16 13:53:22.726123)),
            "2025-01-16T13:53:22.726Z"
        );
    }
}
