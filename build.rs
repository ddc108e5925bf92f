//! Rebuilds when a migration is added or edited: `embed_migrations!` reads the
//! migrations folders at compile time, which cargo does not otherwise watch.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
