//! The command line: `blog [serve]`, `blog user add NAME [--admin]`,
//! `blog user role NAME admin|author`, `blog migrate`,
//! `blog backup`, `blog export`, `blog import wordpress FILE`.

use std::{
    io::{BufRead, IsTerminal},
    path::{Path, PathBuf},
};

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::{
    app::{self, App},
    config::Config,
    domain::{Password, Role, Username},
    services::{import, users},
};

#[derive(Parser, Debug)]
#[command(
    name = "blog",
    version,
    about = "A self-hosted blog server that lives on the fediverse"
)]
pub struct Cli {
    /// Configuration file [default: ./config.toml if it exists]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web server (the default)
    Serve,
    /// Manage the people who can log in
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Apply database migrations and exit
    Migrate,
    /// Write a consistent copy of the SQLite database to FILE, safe while the server runs
    Backup {
        /// Where to write the copy; must not exist yet
        file: PathBuf,
    },
    /// Write every post as Markdown with front matter, and every reply as JSON, to a zip FILE
    Export {
        /// Where to write the archive; must not exist yet
        file: PathBuf,
    },
    /// Bring posts and their comments in from another blog
    Import {
        #[command(subcommand)]
        source: ImportSource,
    },
}

#[derive(Subcommand, Debug)]
pub enum ImportSource {
    /// Read a WordPress export (WXR, from Tools > Export): posts, drafts, tags, comment threads and old addresses
    Wordpress {
        /// The export file (.xml)
        file: PathBuf,
        /// Announce the newly imported published posts to the followers
        #[arg(long)]
        federate: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input, or asked for twice on a terminal
    Add {
        /// Login name: lowercase letters, digits and _
        name: String,
        /// Make the user an admin (moderates, blocks, manages every post and
        /// the followers); without it the user is an author (writes and manages
        /// their own posts and images, answers comments on them)
        #[arg(long)]
        admin: bool,
    },
    /// Change what a user may do: admin or author
    Role {
        /// Login name
        name: String,
        /// admin (moderates, blocks, manages every post) or author (their own posts)
        role: String,
    },
    /// Give a user a new password (read from standard input, or asked for
    /// twice on a terminal); logs them out everywhere and revokes their app tokens
    Passwd {
        /// Login name
        name: String,
    },
    /// List the users: name, role, created, last login
    List,
}

impl Cli {
    pub async fn run(self) -> anyhow::Result<()> {
        let config = Config::load(self.config.as_deref())?;
        match self.command.unwrap_or(Command::Serve) {
            Command::Serve => App::build(config).await?.run().await,
            Command::Migrate => {
                let db = app::connect(&config).await?;
                app::migrate(&db).await?;
                println!("database is up to date");
                Ok(())
            }
            Command::User {
                command: UserCommand::Add { name, admin },
            } => add_user(&config, &name, admin).await,
            Command::User {
                command: UserCommand::Role { name, role },
            } => set_role(&config, &name, &role).await,
            Command::User {
                command: UserCommand::Passwd { name },
            } => new_password(&config, &name).await,
            Command::User {
                command: UserCommand::List,
            } => list_users(&config).await,
            Command::Backup { file } => {
                let db = app::connect(&config).await?;
                crate::services::backup::write(&db, &file).await?;
                println!("wrote a copy of the database to {}", file.display());
                Ok(())
            }
            Command::Export { file } => {
                let db = app::connect(&config).await?;
                app::migrate(&db).await?;
                let summary =
                    crate::services::export::write_zip(&db, &file, &config.media_dir()).await?;
                println!(
                    "wrote {} posts, {} replies and {} images to {}",
                    summary.posts,
                    summary.comments,
                    summary.images,
                    file.display()
                );
                Ok(())
            }
            Command::Import {
                source: ImportSource::Wordpress { file, federate },
            } => import_wordpress(&config, &file, federate).await,
        }
    }
}

async fn import_wordpress(config: &Config, file: &Path, federate: bool) -> anyhow::Result<()> {
    let db = app::connect(config).await?;
    app::migrate(&db).await?;
    let options = import::Options { federate };
    let summary = import::wordpress(&db, file, options, &ProgressBar::new())
        .await
        .map_err(|err| anyhow::anyhow!("{err:#}\nNothing was imported."))?;
    println!("Imported {} from {}", summary.site_title, file.display());
    print!("{summary}");
    if !summary.is_nothing_new() && !crate::pages::invalidate_servers(&db).await? {
        println!("A running server shows the changes after its next change or restart.");
    }
    Ok(())
}

/// The import's progress on standard error, when that is a terminal.
struct ProgressBar(std::sync::Mutex<Option<indicatif::ProgressBar>>);

impl ProgressBar {
    fn new() -> Self {
        ProgressBar(std::sync::Mutex::new(None))
    }
}

impl import::Progress for ProgressBar {
    fn begin(&self, stage: &'static str, total: u64) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let bar = indicatif::ProgressBar::new(total).with_message(stage);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{msg:8} [{bar:40}] {pos}/{len} {eta}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        if let Ok(mut current) = self.0.lock() {
            *current = Some(bar);
        }
    }

    fn advance(&self) {
        if let Ok(current) = self.0.lock()
            && let Some(bar) = current.as_ref()
        {
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Ok(mut current) = self.0.lock()
            && let Some(bar) = current.take()
        {
            bar.finish_and_clear();
        }
    }
}

async fn add_user(config: &Config, name: &str, admin: bool) -> anyhow::Result<()> {
    let username = Username::parse(name).context("cannot create this user")?;
    let password = Password::parse(read_password("nothing was created")?)
        .context("cannot create this user")?;
    let db = app::connect(config).await?;
    app::migrate(&db).await?;
    let user = users::create(&db, &username, &password, admin).await?;
    let role = if user.is_admin { "admin" } else { "author" };
    println!(
        "created {role} {}; log in at {}",
        user.username,
        crate::urls::Urls::new(config).absolute("/login")
    );
    Ok(())
}

async fn set_role(config: &Config, name: &str, role: &str) -> anyhow::Result<()> {
    let role = Role::parse(role).context("cannot change the role")?;
    let db = app::connect(config).await?;
    app::migrate(&db).await?;
    match users::set_role(&db, name, role).await? {
        users::RoleChange::Changed => println!("{name} is now an {role}"),
        users::RoleChange::Unchanged => println!("{name} is already an {role}; nothing changed"),
    }
    Ok(())
}

async fn new_password(config: &Config, name: &str) -> anyhow::Result<()> {
    let db = app::connect(config).await?;
    app::migrate(&db).await?;
    if users::find_by_username(&db, name).await?.is_none() {
        anyhow::bail!("there is no user called {name}; `blog user list` shows who there is");
    }
    let password = Password::parse(read_password("the password was not changed")?)
        .context("cannot change the password")?;
    anyhow::ensure!(
        users::reset_password(&db, name, &password).await?,
        "there is no user called {name}"
    );
    println!("{name} has a new password; their sessions and app tokens were ended");
    Ok(())
}

async fn list_users(config: &Config) -> anyhow::Result<()> {
    let db = app::connect(config).await?;
    app::migrate(&db).await?;
    let all = users::list(&db).await?;
    if all.is_empty() {
        println!("no users yet; create one with `blog user add NAME --admin`");
        return Ok(());
    }
    let width = all
        .iter()
        .map(|u| u.username.len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:width$}  {:6}  {:10}  last login",
        "name", "role", "created"
    );
    for user in all {
        let last = user.last_login_at.map_or_else(
            || "never".to_owned(),
            |at| at.format("%Y-%m-%d %H:%M UTC").to_string(),
        );
        println!(
            "{:width$}  {:6}  {:10}  {last}",
            user.username,
            user.role.to_string(),
            user.created_at.format("%Y-%m-%d").to_string(),
        );
    }
    Ok(())
}

fn read_password(unchanged: &str) -> anyhow::Result<String> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("failed to read the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("Password: ").context("failed to read the password")?;
    Password::parse(first.clone()).with_context(|| unchanged.to_owned())?;
    let second =
        rpassword::prompt_password("Password again: ").context("failed to read the password")?;
    anyhow::ensure!(first == second, "the two passwords differ; {unchanged}");
    Ok(first)
}
