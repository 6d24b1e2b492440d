//! The admin subcommands (`callbar user …`, `domain …`, `reason …`): they open the data
//! folder's database directly, so they work whether or not the server runs.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use callbar_store::{SqliteStore, Store};

use crate::cli::{DomainCommand, ReasonCommand, TokenCommand, UserCommand};
use crate::{config, org};

pub async fn open(config_file: Option<&Path>, data_dir: Option<&Path>) -> anyhow::Result<Arc<dyn Store>> {
    let dir = config::data_dir(config_file, data_dir)?;
    let store = SqliteStore::open(&dir)
        .await
        .with_context(|| format!("cannot open the database in {}", dir.display()))?;
    Ok(Arc::new(store))
}

/// Reads a password from standard input (first line) or asks for it twice.
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("Password: ")?;
    let second = rpassword::prompt_password("Password again: ")?;
    anyhow::ensure!(first == second, "the two passwords differ; nothing was changed");
    Ok(first)
}

pub async fn user(store: &Arc<dyn Store>, cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add {
            email,
            name,
            role,
            extension,
            password_stdin,
        } => {
            let password = read_password(password_stdin)?;
            let u = org::add_user(
                store,
                org::UserInput {
                    email,
                    name,
                    role,
                    extension,
                    password,
                },
            )
            .await?;
            println!(
                "added {} {} <{}>, extension {}",
                u.role.as_str(),
                u.name,
                u.email,
                u.extension
            );
        }
        UserCommand::List => {
            for u in store.users().await? {
                println!("{:<10} {:<28} {:<6} {}", u.role.as_str(), u.email, u.extension, u.name);
            }
        }
        UserCommand::Remove { email } => {
            let u = org::user_by_email(store, &email).await?;
            store.delete_user(&u.id).await?;
            println!("removed {}", u.email);
        }
        UserCommand::SetPassword { email, password_stdin } => {
            let u = org::user_by_email(store, &email).await?;
            let password = read_password(password_stdin)?;
            org::change_user(
                store,
                &u.id,
                org::UserChange {
                    password: Some(password),
                    ..Default::default()
                },
            )
            .await?;
            println!("password of {} changed; their sessions have ended", u.email);
        }
    }
    Ok(())
}

pub async fn domain(store: &Arc<dyn Store>, cmd: DomainCommand) -> anyhow::Result<()> {
    match cmd {
        DomainCommand::Add { origin } => {
            println!("approved {}", org::add_domain(store, &origin).await?)
        }
        DomainCommand::List => {
            for d in store.domains().await? {
                println!("{d}");
            }
        }
        DomainCommand::Remove { origin } => {
            println!("withdrew {}", org::remove_domain(store, &origin).await?)
        }
    }
    Ok(())
}

pub async fn reason(store: &Arc<dyn Store>, cmd: ReasonCommand) -> anyhow::Result<()> {
    match cmd {
        ReasonCommand::Add { name } => {
            let r = org::add_reason(store, &name).await?;
            println!("added not-ready reason {:?} with status code {}", r.name, r.code);
        }
        ReasonCommand::List => {
            for r in store.status_reasons().await? {
                println!("{:<4} {}", r.code, r.name);
            }
        }
        ReasonCommand::Remove { code } => {
            store.remove_status_reason(&code).await?;
            println!("removed not-ready reason {code}");
        }
    }
    Ok(())
}

pub async fn token(store: &Arc<dyn Store>, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create { name } => {
            let name = name.trim();
            anyhow::ensure!(
                !name.is_empty() && name.chars().count() <= 80,
                "a token needs a name of 1 to 80 characters"
            );
            let token = crate::auth::new_token(crate::http::API_TOKEN_PREFIX);
            let record = store.create_api_token(name, &crate::auth::hash_token(&token)).await?;
            println!(
                "created API token {:?} (id {}):\n{token}\nIt is shown only now; send it as `Authorization: Bearer <token>`.",
                record.name, record.id
            );
        }
        TokenCommand::List => {
            for t in store.api_tokens().await? {
                println!("{:<24} {}", t.id, t.name);
            }
        }
        TokenCommand::Revoke { id } => {
            store.delete_api_token(&id).await?;
            println!("revoked API token {id}");
        }
    }
    Ok(())
}
