//! TLS to a PostgreSQL server on the same machine. libpq's default (`sslmode=prefer`)
//! encrypts whenever the server offers TLS, which Debian's packages do out of the box,
//! even over loopback, where the bytes never leave the kernel: on the API's hot path
//! that was 20-28% of the CPU a request costs the app and the database together
//! (BENCHMARKS.md). So for a loopback host, and only when neither the URL nor
//! the environment says anything about TLS, Keydesk asks for `sslmode=allow`: plain
//! first, TLS if the server insists (a `hostssl` line in `pg_hba.conf`).

use std::borrow::Cow;
use std::net::IpAddr;

/// libpq's environment variables that choose TLS settings or a service file (which may).
const TLS_ENVIRONMENT: [&str; 7] = [
    "PGSSLMODE",
    "PGREQUIRESSL",
    "PGSSLROOTCERT",
    "PGSSLCERT",
    "PGSSLKEY",
    "PGSSLNEGOTIATION",
    "PGSERVICE",
];

/// Whether the environment sets any of libpq's TLS settings.
pub fn tls_chosen_by_environment() -> bool {
    TLS_ENVIRONMENT
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// `url` with `sslmode=allow` added when it names only loopback hosts and chooses no
/// TLS setting (nor does the environment: `env_chooses`), else `url` as it is.
pub fn plain_on_loopback(url: &str, env_chooses: bool) -> Cow<'_, str> {
    if env_chooses || !only_loopback_hosts(url) {
        return Cow::Borrowed(url);
    }
    let (_, query) = url.split_once('?').unwrap_or((url, ""));
    // Any `ssl*` setting is the operator's choice (`sslrootcert=system` even changes the
    // default mode); a host in the query overrides the authority's; a service file may
    // set a mode.
    let chosen = query.split('&').any(|pair| {
        let name = pair.split_once('=').map_or(pair, |(name, _)| name);
        name.starts_with("ssl") || matches!(name, "requiressl" | "host" | "hostaddr" | "service")
    });
    if chosen {
        return Cow::Borrowed(url);
    }
    let joint = if url.contains('?') { '&' } else { '?' };
    Cow::Owned(format!("{url}{joint}sslmode=allow"))
}

/// Whether the URL's authority names one or more hosts, every one of them loopback.
/// No host at all means a Unix socket, where libpq uses no TLS anyway.
fn only_loopback_hosts(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let hosts = authority
        .rsplit_once('@')
        .map_or(authority, |(_, hosts)| hosts);
    !hosts.is_empty() && hosts.split(',').all(|host| is_loopback(without_port(host)))
}

fn without_port(host: &str) -> &str {
    if let Some(bracketed) = host.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or_default();
    }
    host.split(':').next().unwrap_or_default()
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::plain_on_loopback;

    #[test]
    fn a_loopback_host_without_a_chosen_mode_is_asked_for_plain_first() {
        for (url, expected) in [
            (
                "postgres://keydesk@127.0.0.1:5432/keydesk",
                "postgres://keydesk@127.0.0.1:5432/keydesk?sslmode=allow",
            ),
            (
                "postgresql://u:p%40ss@localhost/db?application_name=kd",
                "postgresql://u:p%40ss@localhost/db?application_name=kd&sslmode=allow",
            ),
            (
                "postgres://[::1]:5433/db",
                "postgres://[::1]:5433/db?sslmode=allow",
            ),
            (
                "postgres://127.0.0.2,localhost:5433/db",
                "postgres://127.0.0.2,localhost:5433/db?sslmode=allow",
            ),
        ] {
            assert_eq!(plain_on_loopback(url, false), expected, "{url}");
        }
    }

    #[test]
    fn a_remote_host_or_a_chosen_mode_is_left_as_it_is() {
        for url in [
            "postgres://keydesk@db.internal/keydesk",
            "postgres://keydesk@10.0.0.5:5432/keydesk",
            "postgres://127.0.0.1,db.internal/keydesk",
            "postgres://127.0.0.1/keydesk?sslmode=require",
            "postgres://127.0.0.1/keydesk?sslmode=prefer",
            "postgres://127.0.0.1/keydesk?host=db.internal",
            "postgres://127.0.0.1/keydesk?sslrootcert=system",
            "postgres://localhost/keydesk?application_name=kd&sslcert=/etc/kd.crt",
            "postgres://localhost/keydesk?service=keydesk",
            "postgres://u:pass/word@127.0.0.1/keydesk",
            "postgres:///keydesk",
            "postgres://user@/keydesk?host=/run/postgresql",
        ] {
            assert_eq!(plain_on_loopback(url, false), url, "{url}");
        }
        let local = "postgres://127.0.0.1/keydesk";
        assert_eq!(
            plain_on_loopback(local, true),
            local,
            "the environment chose"
        );
        assert_ne!(plain_on_loopback(local, false), local);
    }
}
