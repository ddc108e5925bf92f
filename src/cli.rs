//! The shell subcommands besides `serve`.

use std::io::BufRead;

use anyhow::Context;

use crate::config::{Config, CreateAdmin, ResetPassword};
use crate::db;
use crate::domain::{Email, Name, Password};
use crate::use_cases::workspace::{self, CreateError, NewWorkspace};

pub fn migrate(config: &Config) -> anyhow::Result<()> {
    let pool = db::build_pool(&config.database, 1);
    let mut conn = pool
        .get()
        .with_context(|| format!("connecting to {}", config.database.redacted()))?;
    db::run_migrations(&mut conn)?;
    println!(
        "Migrations are up to date on {}.",
        config.database.redacted()
    );
    Ok(())
}

pub fn create_admin(config: &Config, args: &CreateAdmin) -> anyhow::Result<()> {
    let workspace_name = Name::parse(&args.workspace).context("--workspace")?;
    let name = Name::parse(&args.name).context("--name")?;
    let email = Email::parse(&args.email).context("--email")?;
    let password = match std::env::var("KEYDESK_ADMIN_PASSWORD") {
        Ok(pw) => pw,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let password = Password::parse(password).context("password")?;
    let hash = crate::auth::password::hash(password.expose())?;

    let pool = db::build_pool(&config.database, 1);
    let mut conn = pool
        .get()
        .with_context(|| format!("connecting to {}", config.database.redacted()))?;
    db::run_migrations(&mut conn)?;
    let new = NewWorkspace {
        workspace_name: workspace_name.as_str(),
        admin_name: name.as_str(),
        admin_email: email.as_str(),
        password_hash: &hash,
        ip: "shell",
    };
    match workspace::create_with_admin(&mut conn, &new, false) {
        Ok(_) => {
            // A setup code printed earlier is of no use any more.
            crate::models::secret::delete(&mut conn, crate::models::secret::SETUP_CODE)?;
            println!("Created workspace \"{workspace_name}\" with admin {email}.");
            Ok(())
        }
        Err(CreateError::EmailTaken) => {
            anyhow::bail!("a user with the email {email} already exists")
        }
        Err(e) => Err(e.into()),
    }
}

/// Prints a one-time reset link for the user with `--email`. Only the token's digest
/// is stored; the link itself appears on this terminal and nowhere else.
pub fn reset_password(config: &Config, args: &ResetPassword) -> anyhow::Result<()> {
    let email = Email::parse(&args.email).context("--email")?;
    let pool = db::build_pool(&config.database, 1);
    let mut conn = pool
        .get()
        .with_context(|| format!("connecting to {}", config.database.redacted()))?;
    db::run_migrations(&mut conn)?;
    let token = crate::domain::link_token::LinkToken::generate();
    let created =
        crate::use_cases::invitations::create_reset(&mut conn, email.as_str(), &token.digest())?;
    if created.is_none() {
        anyhow::bail!("no user has the email {email}; nothing was changed");
    }
    let base = args
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.addr));
    println!(
        "Password reset link for {email} (works once, for 1 hour; using it logs them out everywhere):"
    );
    println!("{}/reset/{}", base.trim_end_matches('/'), token.expose());
    Ok(())
}
