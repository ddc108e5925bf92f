//! Flags and environment → one typed configuration (a flag wins over its variable).

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use time::Duration;

use crate::db::DatabaseUrl;
use crate::domain::key_settings::AllowedIps;
use crate::metering::redis_url::RedisUrl;
use crate::metrics::token::MetricsToken;

#[derive(Debug, Parser)]
#[command(
    name = "keydesk",
    version = crate::VERSION,
    about = "Self-hosted API-key management for a workspace, with a lemlist-compatible API.",
    long_about = "Keydesk serves a web app in which workspace admins generate, name, copy once, \
                  watch, rename, regenerate and delete API keys, and the JSON API those keys unlock.\n\n\
                  Without a subcommand it serves (same as `keydesk serve`)."
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the API (the default).
    Serve,
    /// Create a workspace and its first admin from the shell. The password is read from
    /// KEYDESK_ADMIN_PASSWORD, or else from the first line of standard input.
    CreateAdmin(CreateAdmin),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print a one-time link (valid 1 hour) with which a user chooses a new password;
    /// using it ends every session of that user. No mail server is needed.
    ResetPassword(ResetPassword),
}

#[derive(Debug, Args)]
pub struct ResetPassword {
    /// The email address of the user whose password is reset.
    #[arg(long)]
    pub email: String,
    /// The address people open Keydesk at, for the printed link
    /// (default: `http://` and the listen address).
    #[arg(long, env = "KEYDESK_BASE_URL")]
    pub base_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct CreateAdmin {
    /// The admin's email address (their login).
    #[arg(long)]
    pub email: String,
    /// The admin's name as shown to the team.
    #[arg(long)]
    pub name: String,
    /// The workspace's name.
    #[arg(long)]
    pub workspace: String,
}

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(
        long,
        env = "KEYDESK_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub addr: String,
    /// Database: `sqlite://path`, a plain file path, or `postgres://user@host/db`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://keydesk.db",
        global = true
    )]
    pub database_url: String,
    /// Mark the session cookie Secure (set this when served over HTTPS).
    /// The variable takes 1/0, true/false, yes/no or on/off.
    #[arg(long, env = "KEYDESK_SECURE_COOKIES", global = true,
          action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub secure_cookies: bool,
    /// Let webhooks reach private, loopback and link-local addresses (off: refused).
    /// The variable takes 1/0, true/false, yes/no or on/off.
    #[arg(long, env = "KEYDESK_WEBHOOK_ALLOW_PRIVATE", global = true,
          action = clap::ArgAction::SetTrue,
          value_parser = clap::builder::BoolishValueParser::new())]
    pub webhook_allow_private: bool,
    /// API requests allowed per key in each rate-limit window.
    #[arg(long, env = "KEYDESK_RATE_LIMIT_REQUESTS", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub rate_limit_requests: u32,
    /// Length of the rate-limit window in seconds.
    #[arg(long, env = "KEYDESK_RATE_LIMIT_WINDOW_SECS", default_value_t = 2,
          value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub rate_limit_window_secs: u64,
    /// Redis URL (e.g. `redis://127.0.0.1:6379/0`) through which every instance draws on
    /// one rate-limit budget per key. Unset: each instance counts on its own. While Redis
    /// is unreachable, each instance falls back to its own limits.
    #[arg(long, env = "KEYDESK_REDIS_URL", hide_env_values = true, global = true)]
    pub redis_url: Option<String>,
    /// A session ends after this many seconds without a request (default 12 hours).
    #[arg(long, env = "KEYDESK_SESSION_IDLE_SECS", default_value_t = 12 * 3600,
          value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub session_idle_secs: u64,
    /// A session ends this many seconds after login, however active (default 7 days).
    #[arg(long, env = "KEYDESK_SESSION_ABSOLUTE_SECS", default_value_t = 7 * 24 * 3600,
          value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub session_absolute_secs: u64,
    /// Sudo mode: guarded actions need the password typed within this many seconds
    /// (a login counts; default 2 hours, at most a day).
    #[arg(long, env = "KEYDESK_SUDO_WINDOW_SECS", default_value_t = 2 * 3600,
          value_parser = clap::value_parser!(u64).range(1..=24 * 3600), global = true)]
    pub sudo_window_secs: u64,
    /// Reverse proxies (IP addresses or CIDR ranges, comma-separated) whose
    /// X-Forwarded-For header names the real client. Empty: the TCP peer is the client.
    #[arg(
        long,
        env = "KEYDESK_TRUSTED_PROXIES",
        default_value = "",
        global = true
    )]
    pub trusted_proxies: String,
    /// Failed logins from one address, across all accounts, before logging in from
    /// there is paused for the rest of the 15-minute window.
    #[arg(long, env = "KEYDESK_LOGIN_MAX_FAILURES_PER_ADDRESS", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub login_max_failures_per_address: u32,
    /// Failed logins at one account, across all addresses, before it is paused for the
    /// rest of the 15-minute window (except for browsers that logged in to it before).
    #[arg(long, env = "KEYDESK_LOGIN_MAX_FAILURES_PER_ACCOUNT", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..), global = true)]
    pub login_max_failures_per_account: u32,
    /// Database connections per instance.
    #[arg(long, env = "KEYDESK_DB_POOL_SIZE", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=256), global = true)]
    pub db_pool_size: u32,
    /// Serve Prometheus metrics at /metrics to requests with `Authorization: Bearer <this
    /// token>` (others get 401). Unset or blank: /metrics does not exist (404). Use a long
    /// random value; it is never logged or shown.
    #[arg(
        long,
        env = "KEYDESK_METRICS_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub metrics_token: Option<String>,
}

/// Everything the server needs, parsed and checked.
/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Targets may resolve to private, loopback or link-local addresses.
    pub allow_private: bool,
    /// Each attempt gives up after this long.
    pub timeout: std::time::Duration,
    /// The wait after a first failure; it doubles with each further one (at most an hour).
    pub retry_base_secs: u64,
    /// A delivery still failing this long after its event is given up.
    pub retry_for: Duration,
    /// How often the outbox is read.
    pub poll_every: std::time::Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            allow_private: false,
            timeout: std::time::Duration::from_secs(10),
            retry_base_secs: 10,
            retry_for: Duration::hours(24),
            poll_every: std::time::Duration::from_secs(1),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: String,
    pub database: DatabaseUrl,
    pub secure_cookies: bool,
    pub webhooks: WebhookConfig,
    pub trusted_proxies: AllowedIps,
    pub rate_limit_requests: u32,
    pub rate_limit_window: std::time::Duration,
    /// Where all instances share their rate-limit budget (none: each counts on its own).
    pub redis_url: Option<RedisUrl>,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// How long typing the password lets guarded actions through (sudo mode).
    pub sudo_window: Duration,
    pub db_pool_size: u32,
    /// Failed logins per account and address (or per known device) before login is
    /// refused for the rest of the window.
    pub login_max_failures: i64,
    /// Failed logins per address across accounts (password spraying).
    pub login_max_failures_per_address: i64,
    /// Failed logins per account across addresses, from browsers new to the account.
    pub login_max_failures_per_account: i64,
    pub login_failure_window: Duration,
    /// How often batched key usage is written (PRODUCT 6: at least every second).
    pub usage_flush_interval: std::time::Duration,
    /// Guards `/metrics`; without one it answers 404.
    pub metrics_token: Option<MetricsToken>,
}

impl Config {
    pub fn from_settings(s: &Settings) -> anyhow::Result<Self> {
        let database =
            DatabaseUrl::parse(&s.database_url).context("--database-url / DATABASE_URL")?;
        Ok(Self {
            addr: s.addr.clone(),
            database,
            secure_cookies: s.secure_cookies,
            webhooks: WebhookConfig {
                allow_private: s.webhook_allow_private,
                ..WebhookConfig::default()
            },
            trusted_proxies: AllowedIps::parse(&s.trusted_proxies)
                .context("--trusted-proxies / KEYDESK_TRUSTED_PROXIES")?,
            rate_limit_requests: s.rate_limit_requests,
            rate_limit_window: std::time::Duration::from_secs(s.rate_limit_window_secs),
            redis_url: s
                .redis_url
                .as_deref()
                .filter(|url| !url.trim().is_empty())
                .map(RedisUrl::parse)
                .transpose()
                .context("--redis-url / KEYDESK_REDIS_URL")?,
            session_idle: Duration::seconds(s.session_idle_secs as i64),
            session_absolute: Duration::seconds(s.session_absolute_secs as i64),
            sudo_window: Duration::seconds(s.sudo_window_secs as i64),
            db_pool_size: s.db_pool_size,
            login_max_failures: 5,
            login_max_failures_per_address: s.login_max_failures_per_address.into(),
            login_max_failures_per_account: s.login_max_failures_per_account.into(),
            login_failure_window: Duration::minutes(15),
            usage_flush_interval: std::time::Duration::from_secs(1),
            metrics_token: MetricsToken::from_setting(s.metrics_token.as_deref()),
        })
    }

    /// Defaults for a database URL, as `keydesk serve` would have them (tests use this).
    pub fn for_database(url: &str) -> anyhow::Result<Self> {
        let cli = Cli::try_parse_from(["keydesk", "--database-url", url])?;
        Self::from_settings(&cli.settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_match_the_documentation() {
        let cli = Cli::try_parse_from(["keydesk"]).unwrap();
        let config = Config::from_settings(&cli.settings).unwrap();
        assert_eq!(config.addr, "127.0.0.1:8080");
        assert_eq!(config.database, DatabaseUrl::Sqlite("keydesk.db".into()));
        assert_eq!(config.rate_limit_requests, 20);
        assert_eq!(config.rate_limit_window.as_secs(), 2);
        assert_eq!(config.login_max_failures_per_address, 20);
        assert_eq!(config.login_max_failures_per_account, 10);
        assert!(
            config.metrics_token.is_none(),
            "no /metrics unless a token is set"
        );
        assert!(
            config.redis_url.is_none(),
            "each instance counts on its own"
        );
        assert!(cli.command.is_none());
    }

    #[test]
    fn a_flag_wins_over_nothing_and_subcommands_take_global_flags() {
        let cli =
            Cli::try_parse_from(["keydesk", "migrate", "--database-url", "sqlite://x.db"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Migrate)));
        assert_eq!(cli.settings.database_url, "sqlite://x.db");
    }

    #[test]
    fn a_zero_rate_limit_is_refused() {
        assert!(Cli::try_parse_from(["keydesk", "--rate-limit-requests", "0"]).is_err());
    }

    #[test]
    fn a_redis_url_is_checked_at_start() {
        let config = |url: &str| {
            let cli = Cli::try_parse_from(["keydesk", "--redis-url", url]).unwrap();
            Config::from_settings(&cli.settings)
        };
        assert!(
            config("redis://127.0.0.1:6379/2")
                .unwrap()
                .redis_url
                .is_some()
        );
        assert!(config("").unwrap().redis_url.is_none(), "empty means unset");
        let refused = config("http://:hunter2@cache.internal").unwrap_err();
        let message = format!("{refused:#}");
        assert!(message.contains("KEYDESK_REDIS_URL"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
