//! Version stamps for the figures kept in memory (a period's dashboard). Migration 22 already
//! bumps a day, its stalls and shifts for every change to them and to sign-ups; the figures
//! also read service records, hour entries, objections, residents' reports and visits, so a
//! change to any of those raises its stall's `figures_version`, by a trigger, in the same
//! transaction. A stall's own page version is left alone by it (the public page does not
//! show these), so the kept market-day pages stay kept.
//!
//! Check-in and check-out times do not count in the figures: updating only those leaves
//! the version alone (a market day's scans would otherwise bump it all morning).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, stall of a row, which update counts): any, or of service records only the
/// columns the figures read.
type Sources = [(&'static str, fn(&str) -> String, &'static str); 5];

/// The stall of a row is SQL on `NEW`/`OLD`.
fn sources() -> Sources {
    fn by_shift(row: &str) -> String {
        format!("(SELECT stall_id FROM shifts WHERE id = {row}.shift_id)")
    }
    fn by_record(row: &str) -> String {
        format!(
            "(SELECT sh.stall_id FROM service_records r JOIN shifts sh ON sh.id = r.shift_id \
             WHERE r.id = {row}.record_id)"
        )
    }
    fn direct(row: &str) -> String {
        format!("{row}.stall_id")
    }
    [
        (
            "service_records",
            by_shift,
            "UPDATE OF attendance, shift_id, person_id, signup_id",
        ),
        ("hour_entries", by_record, "UPDATE"),
        ("objections", by_record, "UPDATE"),
        ("beneficiary_reports", direct, "UPDATE"),
        ("resident_visits", direct, "UPDATE"),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => postgres(),
            _ => sqlite(),
        };
        // One batch, so one pooled connection runs it all: another SQLite connection's
        // schema, read before the old trigger was dropped, would refuse the new one.
        let column = "ALTER TABLE stalls ADD COLUMN figures_version BIGINT NOT NULL DEFAULT 0";
        let batch = std::iter::once(column.to_owned())
            .chain(statements)
            .collect::<Vec<_>>()
            .join(";\n");
        db.execute_unprepared(&batch).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        let mut batch = Vec::new();
        for (table, _, _) in sources() {
            for what in ["added", "removed", "changed"] {
                let on = if postgres {
                    format!(" ON {table}")
                } else {
                    String::new()
                };
                batch.push(format!(
                    "DROP TRIGGER IF EXISTS {table}_{what}_figures_version{on}"
                ));
            }
            if postgres {
                batch.push(format!("DROP FUNCTION IF EXISTS figures_version_{table}()"));
            }
        }
        // The stall's own page version again bumps on any update.
        if postgres {
            batch.push("DROP TRIGGER stalls_page_version ON stalls".to_owned());
            batch.push(
                "CREATE TRIGGER stalls_page_version BEFORE UPDATE ON stalls \
                 FOR EACH ROW EXECUTE FUNCTION page_version_bump()"
                    .to_owned(),
            );
        } else {
            batch.push("DROP TRIGGER stalls_page_version".to_owned());
            batch.push(
                "CREATE TRIGGER stalls_page_version AFTER UPDATE ON stalls \
                 WHEN NEW.page_version = OLD.page_version BEGIN \
                 UPDATE stalls SET page_version = OLD.page_version + 1 WHERE id = NEW.id; END"
                    .to_owned(),
            );
        }
        batch.push("ALTER TABLE stalls DROP COLUMN figures_version".to_owned());
        (manager.get_connection())
            .execute_unprepared(&batch.join(";\n"))
            .await?;
        Ok(())
    }
}

fn bump(stall: &str) -> String {
    format!("UPDATE stalls SET figures_version = figures_version + 1 WHERE id = {stall};")
}

fn sqlite() -> Vec<String> {
    let mut out = vec![
        "DROP TRIGGER stalls_page_version".to_owned(),
        "CREATE TRIGGER stalls_page_version AFTER UPDATE ON stalls \
         WHEN NEW.page_version = OLD.page_version AND NEW.figures_version = OLD.figures_version \
         BEGIN UPDATE stalls SET page_version = OLD.page_version + 1 WHERE id = NEW.id; END"
            .to_owned(),
    ];
    for (table, stall_of, update) in sources() {
        out.push(format!(
            "CREATE TRIGGER {table}_added_figures_version AFTER INSERT ON {table} BEGIN {} END",
            bump(&stall_of("NEW"))
        ));
        out.push(format!(
            "CREATE TRIGGER {table}_removed_figures_version AFTER DELETE ON {table} BEGIN {} END",
            bump(&stall_of("OLD"))
        ));
        out.push(format!(
            "CREATE TRIGGER {table}_changed_figures_version AFTER {update} ON {table} \
             BEGIN {} {} END",
            bump(&stall_of("OLD")),
            bump(&stall_of("NEW"))
        ));
    }
    out
}

fn postgres() -> Vec<String> {
    let mut out = vec![
        "DROP TRIGGER stalls_page_version ON stalls".to_owned(),
        "CREATE TRIGGER stalls_page_version BEFORE UPDATE ON stalls FOR EACH ROW \
         WHEN (NEW.figures_version = OLD.figures_version) EXECUTE FUNCTION page_version_bump()"
            .to_owned(),
    ];
    for (table, stall_of, update) in sources() {
        out.push(format!(
            "CREATE FUNCTION figures_version_{table}() RETURNS trigger AS $$ BEGIN \
             IF TG_OP <> 'INSERT' THEN {} END IF; \
             IF TG_OP <> 'DELETE' THEN {} END IF; \
             RETURN NULL; END $$ LANGUAGE plpgsql",
            bump(&stall_of("OLD")),
            bump(&stall_of("NEW"))
        ));
        for (what, when) in [
            ("added", "INSERT".to_owned()),
            ("removed", "DELETE".to_owned()),
            ("changed", update.to_owned()),
        ] {
            out.push(format!(
                "CREATE TRIGGER {table}_{what}_figures_version AFTER {when} ON {table} \
                 FOR EACH ROW EXECUTE FUNCTION figures_version_{table}()"
            ));
        }
    }
    out
}
