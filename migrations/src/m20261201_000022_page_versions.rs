//! Version stamps for pages served from memory (a market day's public page). Every change
//! to a row a market day's page shows bumps a version in the same transaction, by a
//! trigger, so no code path can forget it and several servers never serve a stale page:
//!
//! - an event, stall or shift row that changes bumps its own `page_version`;
//! - a stall added, removed or moved bumps its day's; a shift likewise its stall's;
//! - a sign-up added, removed, or changed in status or shift bumps its shift's (the free
//!   and waiting counts);
//! - an organization renamed bumps its stalls and the days it organizes.
//!
//! A day's stamp is its own version with the sums over its stalls and their shifts: each
//! change raises one of the three and a removal raises the parent, so a stamp never comes
//! back once anything changed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 3] = ["events", "stalls", "shifts"];

/// A sign-up changes what the page shows only by its status (the free and waiting counts)
/// or its shift; attendance and the like leave the shift's row alone (on PostgreSQL a bump
/// would take the shift's row lock).
const CHANGED: &str =
    "(OLD.status IS DISTINCT FROM NEW.status OR OLD.shift_id IS DISTINCT FROM NEW.shift_id)";

/// (child table, its parent key column, the parent table).
const STRUCTURE: [(&str, &str, &str); 2] = [
    ("stalls", "event_id", "events"),
    ("shifts", "stall_id", "stalls"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in TABLES {
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} ADD COLUMN page_version BIGINT NOT NULL DEFAULT 0"
            ))
            .await?;
        }
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => postgres(),
            _ => sqlite(),
        };
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for trigger in trigger_names() {
            let (name, table) = trigger;
            let on = if postgres {
                format!(" ON {table}")
            } else {
                String::new()
            };
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}{on}"))
                .await?;
        }
        if postgres {
            for function in [
                "page_version_bump",
                "page_version_stalls",
                "page_version_shifts",
                "page_version_signups",
                "page_version_organizations",
            ] {
                db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {function}()"))
                    .await?;
            }
        }
        for table in TABLES {
            db.execute_unprepared(&format!("ALTER TABLE {table} DROP COLUMN page_version"))
                .await?;
        }
        Ok(())
    }
}

fn trigger_names() -> Vec<(String, &'static str)> {
    let mut names: Vec<(String, &'static str)> = TABLES
        .iter()
        .map(|t| (format!("{t}_page_version"), *t))
        .collect();
    for (child, _, _) in STRUCTURE {
        for what in ["added", "removed", "moved"] {
            names.push((format!("{child}_{what}_page_version"), child));
        }
    }
    for what in ["added", "changed", "removed"] {
        names.push((format!("signups_{what}_page_version"), "signups"));
    }
    names.push((
        "organizations_renamed_page_version".to_owned(),
        "organizations",
    ));
    names
}

fn sqlite() -> Vec<String> {
    let mut out = Vec::new();
    for table in TABLES {
        // An AFTER trigger does not fire itself again (SQLite's recursive triggers are off).
        out.push(format!(
            "CREATE TRIGGER {table}_page_version AFTER UPDATE ON {table} \
             WHEN NEW.page_version = OLD.page_version BEGIN \
             UPDATE {table} SET page_version = OLD.page_version + 1 WHERE id = NEW.id; END"
        ));
    }
    for (child, key, parent) in STRUCTURE {
        let bump = |row: &str| {
            format!("UPDATE {parent} SET page_version = page_version + 1 WHERE id = {row}.{key};")
        };
        out.push(format!(
            "CREATE TRIGGER {child}_added_page_version AFTER INSERT ON {child} BEGIN {} END",
            bump("NEW")
        ));
        out.push(format!(
            "CREATE TRIGGER {child}_removed_page_version AFTER DELETE ON {child} BEGIN {} END",
            bump("OLD")
        ));
        out.push(format!(
            "CREATE TRIGGER {child}_moved_page_version AFTER UPDATE OF {key} ON {child} \
             WHEN NEW.{key} <> OLD.{key} BEGIN {} {} END",
            bump("OLD"),
            bump("NEW")
        ));
    }
    let shift = |row: &str| {
        format!("UPDATE shifts SET page_version = page_version + 1 WHERE id = {row}.shift_id;")
    };
    out.push(format!(
        "CREATE TRIGGER signups_added_page_version AFTER INSERT ON signups BEGIN {} END",
        shift("NEW")
    ));
    out.push(
        "CREATE TRIGGER signups_changed_page_version AFTER UPDATE OF status, shift_id ON signups \
         WHEN NEW.status <> OLD.status OR NEW.shift_id <> OLD.shift_id BEGIN \
         UPDATE shifts SET page_version = page_version + 1 \
         WHERE id IN (OLD.shift_id, NEW.shift_id); END"
            .to_owned(),
    );
    out.push(format!(
        "CREATE TRIGGER signups_removed_page_version AFTER DELETE ON signups BEGIN {} END",
        shift("OLD")
    ));
    out.push(
        "CREATE TRIGGER organizations_renamed_page_version AFTER UPDATE OF name ON organizations \
         WHEN NEW.name <> OLD.name BEGIN \
         UPDATE stalls SET page_version = page_version + 1 WHERE organization_id = NEW.id; \
         UPDATE events SET page_version = page_version + 1 WHERE organizer_id = NEW.id; END"
            .to_owned(),
    );
    out
}

fn postgres() -> Vec<String> {
    let mut out = vec![
        "CREATE FUNCTION page_version_bump() RETURNS trigger AS $$ BEGIN \
         IF NEW.page_version = OLD.page_version THEN NEW.page_version := OLD.page_version + 1; \
         END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            .to_owned(),
    ];
    for table in TABLES {
        out.push(format!(
            "CREATE TRIGGER {table}_page_version BEFORE UPDATE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION page_version_bump()"
        ));
    }
    for (child, key, parent) in STRUCTURE {
        out.push(format!(
            "CREATE FUNCTION page_version_{child}() RETURNS trigger AS $$ BEGIN \
             IF TG_OP <> 'INSERT' THEN \
             UPDATE {parent} SET page_version = page_version + 1 WHERE id = OLD.{key}; END IF; \
             IF TG_OP <> 'DELETE' THEN \
             UPDATE {parent} SET page_version = page_version + 1 WHERE id = NEW.{key}; END IF; \
             RETURN NULL; END $$ LANGUAGE plpgsql"
        ));
        out.push(format!(
            "CREATE TRIGGER {child}_added_page_version AFTER INSERT ON {child} \
             FOR EACH ROW EXECUTE FUNCTION page_version_{child}()"
        ));
        out.push(format!(
            "CREATE TRIGGER {child}_removed_page_version AFTER DELETE ON {child} \
             FOR EACH ROW EXECUTE FUNCTION page_version_{child}()"
        ));
        out.push(format!(
            "CREATE TRIGGER {child}_moved_page_version AFTER UPDATE OF {key} ON {child} \
             FOR EACH ROW WHEN (OLD.{key} IS DISTINCT FROM NEW.{key}) \
             EXECUTE FUNCTION page_version_{child}()"
        ));
    }
    out.push(
        "CREATE FUNCTION page_version_signups() RETURNS trigger AS $$ BEGIN \
         IF TG_OP <> 'INSERT' THEN \
         UPDATE shifts SET page_version = page_version + 1 WHERE id = OLD.shift_id; END IF; \
         IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND OLD.shift_id <> NEW.shift_id) THEN \
         UPDATE shifts SET page_version = page_version + 1 WHERE id = NEW.shift_id; END IF; \
         RETURN NULL; END $$ LANGUAGE plpgsql"
            .to_owned(),
    );
    for (what, when) in [
        ("added", "INSERT ON signups FOR EACH ROW".to_owned()),
        ("removed", "DELETE ON signups FOR EACH ROW".to_owned()),
        (
            "changed",
            format!("UPDATE OF status, shift_id ON signups FOR EACH ROW WHEN {CHANGED}"),
        ),
    ] {
        out.push(format!(
            "CREATE TRIGGER signups_{what}_page_version AFTER {when} \
             EXECUTE FUNCTION page_version_signups()"
        ));
    }
    out.push(
        "CREATE FUNCTION page_version_organizations() RETURNS trigger AS $$ BEGIN \
         UPDATE stalls SET page_version = page_version + 1 WHERE organization_id = NEW.id; \
         UPDATE events SET page_version = page_version + 1 WHERE organizer_id = NEW.id; \
         RETURN NULL; END $$ LANGUAGE plpgsql"
            .to_owned(),
    );
    out.push(
        "CREATE TRIGGER organizations_renamed_page_version AFTER UPDATE OF name ON organizations \
         FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) \
         EXECUTE FUNCTION page_version_organizations()"
            .to_owned(),
    );
    out
}
