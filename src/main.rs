//! The `keydesk` command: parse the command line, load the configuration, run.

use clap::Parser;
use keydesk::config::{Cli, Command, Config};

fn main() -> std::process::ExitCode {
    keydesk::telemetry::init();
    let cli = Cli::parse();
    let result = Config::from_settings(&cli.settings).and_then(|config| match cli.command {
        None | Some(Command::Serve) => keydesk::startup::serve(config),
        Some(Command::Migrate) => keydesk::cli::migrate(&config),
        Some(Command::CreateAdmin(args)) => keydesk::cli::create_admin(&config, &args),
        Some(Command::ResetPassword(args)) => keydesk::cli::reset_password(&config, &args),
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // Not through the log, but redacted like it: a key pasted into a flag stays out.
            eprintln!(
                "keydesk: {}",
                keydesk::redact::redact_keys(&format!("{e:#}"))
            );
            std::process::ExitCode::FAILURE
        }
    }
}
