//! What every test needs: a fresh database, the real server over HTTP, and readers for its pages.

mod database;
mod flows;
mod pages;
mod receiver;
mod redis_server;
mod requests;
mod server;

pub use database::*;
pub use pages::*;
pub use receiver::*;
pub use redis_server::*;
pub use requests::*;
pub use server::*;

pub const ADMIN_EMAIL: &str = "ada@example.com";
pub const ADMIN_NAME: &str = "Ada Lovelace";
pub const ADMIN_PASSWORD: &str = "correct horse battery";
pub const WORKSPACE: &str = "Analytical Engines";

/// Generates one test per database backend for an `async fn(TestApp)` scenario.
///
/// - `on_both_databases!(a, b)`: each on an in-process server with the default configuration;
/// - `on_both_databases!(a with |config| config.x = y)`: with that configuration changed first;
/// - `on_both_databases!(in_a_child_process: a, b)`: each on the real `keydesk` binary, whose
///   output the test reads with `app.logs()`.
#[macro_export]
macro_rules! on_both_databases {
    (in_a_child_process: $($name:ident),+ $(,)?) => {
        $(
            $crate::on_both_databases!(@tests $name, |backend| $crate::helpers::spawn_binary(backend));
        )+
    };
    ($($name:ident $(with $tweak:expr)?),+ $(,)?) => {
        $(
            $crate::on_both_databases!(@tests $name, |backend| $crate::helpers::spawn_app_with(
                backend,
                $crate::on_both_databases!(@tweak $($tweak)?),
            ));
        )+
    };
    (@tweak) => { |_| {} };
    (@tweak $tweak:expr) => { $tweak };
    (@tests $name:ident, $spawn:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let app = ($spawn)($crate::helpers::Backend::Sqlite)
                    .await
                    .expect("SQLite is always available");
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                if let Some(app) = ($spawn)($crate::helpers::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    };
}
