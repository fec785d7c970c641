//! A version stamp for a volunteer's "my shifts" page, kept in memory (`page_cache`) like a
//! market day's. `people.shifts_version` is raised by a trigger, in the same transaction,
//! by every change to a row the page shows:
//!
//! - the person's own sign-ups and service records (check-in and check-out included), the
//!   hour entries of their records and the objections to them;
//! - a shift of theirs moved in time or to another stall, a stall given another service or
//!   day, a day renamed, moved, cancelled or its status changed: everyone signed up there.
//!
//! A place on a waiting list shows its position, which moves when others ahead leave; a
//! page with such a place is never kept (see `my_shifts`), so no sign-up has to raise the
//! versions of everyone waiting behind it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The people a row of the table concerns, as SQL on `NEW` or `OLD`.
type PeopleOf = fn(&str) -> String;

/// Rows that belong to one person: any insert, update or delete counts.
const OWN: [(&str, PeopleOf); 4] = [
    ("signups", |row| format!("id = {row}.person_id")),
    ("service_records", |row| format!("id = {row}.person_id")),
    ("hour_entries", by_record),
    ("objections", by_record),
];

fn by_record(row: &str) -> String {
    format!("id = (SELECT person_id FROM service_records WHERE id = {row}.record_id)")
}

/// Rows shown on the pages of everyone signed up under them: only a change to the columns
/// the page shows counts (a sign-up rewrites its shift's count, a page version its row).
const SHARED: [(&str, &[&str], PeopleOf); 3] = [
    ("shifts", &["starts_at", "ends_at", "stall_id"], |row| {
        format!("id IN (SELECT person_id FROM signups WHERE shift_id = {row}.id)")
    }),
    ("stalls", &["service", "event_id"], |row| {
        format!(
            "id IN (SELECT sg.person_id FROM signups sg JOIN shifts sh ON sh.id = sg.shift_id \
             WHERE sh.stall_id = {row}.id)"
        )
    }),
    (
        "events",
        &["title", "place", "status", "cancel_reason"],
        |row| {
            format!(
                "id IN (SELECT sg.person_id FROM signups sg JOIN shifts sh ON sh.id = sg.shift_id \
                 JOIN stalls st ON st.id = sh.stall_id WHERE st.event_id = {row}.id)"
            )
        },
    ),
];

fn bump(people: &str) -> String {
    format!("UPDATE people SET shifts_version = shifts_version + 1 WHERE {people};")
}

/// `NEW.a IS DISTINCT FROM OLD.a OR …`, in the backend's words.
fn any_changed(columns: &[&str], distinct: &str) -> String {
    columns
        .iter()
        .map(|c| format!("NEW.{c} {distinct} OLD.{c}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "ALTER TABLE people ADD COLUMN shifts_version BIGINT NOT NULL DEFAULT 0",
        )
        .await?;
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
        for (name, table) in trigger_names() {
            let on = if postgres {
                format!(" ON {table}")
            } else {
                String::new()
            };
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}{on}"))
                .await?;
        }
        if postgres {
            let tables = OWN.iter().map(|(t, _)| *t);
            for table in tables.chain(SHARED.iter().map(|(t, _, _)| *t)) {
                db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS shifts_version_{table}()"))
                    .await?;
            }
        }
        db.execute_unprepared("ALTER TABLE people DROP COLUMN shifts_version")
            .await?;
        Ok(())
    }
}

fn trigger_names() -> Vec<(String, &'static str)> {
    let mut names = Vec::new();
    for (table, _) in OWN {
        for what in ["added", "changed", "removed"] {
            names.push((format!("{table}_{what}_shifts_version"), table));
        }
    }
    for (table, _, _) in SHARED {
        names.push((format!("{table}_changed_shifts_version"), table));
    }
    names
}

fn sqlite() -> Vec<String> {
    let mut out = Vec::new();
    for (table, people) in OWN {
        out.push(format!(
            "CREATE TRIGGER {table}_added_shifts_version AFTER INSERT ON {table} BEGIN {} END",
            bump(&people("NEW"))
        ));
        out.push(format!(
            "CREATE TRIGGER {table}_changed_shifts_version AFTER UPDATE ON {table} BEGIN {} END",
            bump(&format!("{} OR {}", people("OLD"), people("NEW")))
        ));
        out.push(format!(
            "CREATE TRIGGER {table}_removed_shifts_version AFTER DELETE ON {table} BEGIN {} END",
            bump(&people("OLD"))
        ));
    }
    for (table, columns, people) in SHARED {
        out.push(format!(
            "CREATE TRIGGER {table}_changed_shifts_version AFTER UPDATE OF {} ON {table} \
             WHEN {} BEGIN {} END",
            columns.join(", "),
            any_changed(columns, "IS NOT"),
            bump(&people("NEW"))
        ));
    }
    out
}

fn postgres() -> Vec<String> {
    let mut out = Vec::new();
    for (table, people) in OWN {
        out.push(format!(
            "CREATE FUNCTION shifts_version_{table}() RETURNS trigger AS $$ BEGIN \
             IF TG_OP <> 'INSERT' THEN {} END IF; \
             IF TG_OP <> 'DELETE' THEN {} END IF; \
             RETURN NULL; END $$ LANGUAGE plpgsql",
            bump(&people("OLD")),
            bump(&people("NEW"))
        ));
        for (what, when) in [
            ("added", "INSERT"),
            ("changed", "UPDATE"),
            ("removed", "DELETE"),
        ] {
            out.push(format!(
                "CREATE TRIGGER {table}_{what}_shifts_version AFTER {when} ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION shifts_version_{table}()"
            ));
        }
    }
    for (table, columns, people) in SHARED {
        out.push(format!(
            "CREATE FUNCTION shifts_version_{table}() RETURNS trigger AS $$ BEGIN {} \
             RETURN NULL; END $$ LANGUAGE plpgsql",
            bump(&people("NEW"))
        ));
        out.push(format!(
            "CREATE TRIGGER {table}_changed_shifts_version AFTER UPDATE OF {} ON {table} \
             FOR EACH ROW WHEN ({}) EXECUTE FUNCTION shifts_version_{table}()",
            columns.join(", "),
            any_changed(columns, "IS DISTINCT FROM")
        ));
    }
    out
}
