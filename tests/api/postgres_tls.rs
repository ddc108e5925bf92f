//! TLS to PostgreSQL: none over loopback unless the URL (or `PGSSLMODE`) asks for it,
//! since the bytes never leave the machine; exactly what it asks for when it does.

use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};

use crate::helpers::*;

#[derive(diesel::QueryableByName)]
struct Connections {
    #[diesel(sql_type = BigInt)]
    with_tls: i64,
    #[diesel(sql_type = BigInt)]
    all: i64,
}

/// The app's connections to this test's database, by `application_name`.
fn connections(app: &TestApp, name: &str) -> Connections {
    diesel::sql_query(
        "SELECT count(*) FILTER (WHERE s.ssl) AS with_tls, count(*) AS all
         FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
         WHERE a.datname = current_database() AND a.application_name = $1
           AND a.pid <> pg_backend_pid()",
    )
    .bind::<Text, _>(name)
    .get_result(&mut *app.db_conn())
    .unwrap()
}

#[tokio::test]
async fn a_loopback_postgres_is_reached_without_tls_unless_the_url_asks_for_it() {
    let Some(probe) = create_test_db(Backend::Postgres) else {
        return;
    };
    let server_offers_tls: String =
        diesel::select(diesel::dsl::sql::<Text>("current_setting('ssl')"))
            .get_result(&mut *probe.connect())
            .unwrap();
    if server_offers_tls != "on" || !probe.url.contains("@127.0.0.1") {
        assert!(
            !require_all_suites(),
            "KEYDESK_REQUIRE_ALL_SUITES=1 but the test PostgreSQL is not at 127.0.0.1 with ssl = on: the loopback TLS test cannot run"
        );
        eprintln!("skipped: needs a PostgreSQL at 127.0.0.1 that offers TLS (ssl = on)");
        return;
    }

    let mut plain = probe.shared();
    plain.url.push_str("?application_name=kd_plain");
    let plain = spawn_on(plain, Backend::Postgres, |_| {}).await;
    plain.set_up().await;
    let seen = connections(&plain, "kd_plain");
    assert!(seen.all > 0, "the app holds pooled connections");
    assert_eq!(seen.with_tls, 0, "none of them uses TLS over loopback");

    let mut asked = probe.shared();
    asked
        .url
        .push_str("?application_name=kd_tls&sslmode=require");
    let asked = spawn_on(asked, Backend::Postgres, |_| {}).await;
    asked.log_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let seen = connections(&asked, "kd_tls");
    assert!(seen.all > 0, "the app holds pooled connections");
    assert_eq!(
        seen.with_tls, seen.all,
        "sslmode=require in the URL is kept"
    );
    drop((plain, asked, probe));
}
