//! Rosters: the member sheets organizations already keep, imported from `.xlsx` or
//! `.csv` (upload → preview with every bad row marked → confirm, all or nothing), and
//! exported to the same formats.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, QueryOrder, Set};
use serde::Serialize;

use crate::entities::{account, invitation, membership, person, person_skill, roster_import};
use crate::fields::{PersonName, Phone, mask_phone};
use crate::memberships::{self, MemberRole, parse_skills, skill_word};
use crate::{Actor, MemberError, audit, orgs, tx};

mod file;
pub use file::{EXPORT_HEADER, ExportRow, MAX_ROWS, RosterRow, parse_file, to_csv, to_xlsx};

/// What would happen to one row.
#[derive(Clone, Debug, Serialize)]
pub struct PreviewRow {
    pub line: usize,
    pub name: String,
    /// Masked: the preview is no place to spread numbers.
    pub phone: String,
    pub skills: Vec<&'static str>,
    pub role: Option<MemberRole>,
    /// Someone the platform already knows (joins as they are; their name is kept).
    pub existing: bool,
    /// Why the row cannot be imported (a catalogue key), or None.
    pub problem: Option<&'static str>,
}

pub struct Preview {
    pub rows: Vec<PreviewRow>,
    pub good: usize,
    pub bad: usize,
}

/// A row that passed every check, ready to write.
struct GoodRow {
    name: Option<PersonName>,
    phone: Phone,
    skills: Vec<&'static str>,
    role: MemberRole,
    existing: Option<Uuid>,
}

/// What the database already knows of a roster's people.
struct Known {
    /// People by phone.
    people: HashMap<String, Uuid>,
    /// Staff accounts are never enrolled from a roster.
    staff: HashSet<Uuid>,
    /// The organization's current members.
    members: HashSet<Uuid>,
}

impl Known {
    async fn of(
        db: &impl ConnectionTrait,
        organization_id: Uuid,
        rows: &[RosterRow],
    ) -> Result<Known, MemberError> {
        let phones: Vec<String> = rows
            .iter()
            .filter_map(|r| Phone::parse("phone", &r.phone).ok())
            .map(|p| p.as_str().to_owned())
            .collect();
        let mut people: HashMap<String, Uuid> = HashMap::new();
        for chunk in phones.chunks(500) {
            let found = person::Entity::find()
                .filter(person::Column::Phone.is_in(chunk.to_vec()))
                .all(db)
                .await?;
            people.extend(found.into_iter().filter_map(|p| Some((p.phone?, p.id))));
        }
        let known_ids: Vec<Uuid> = people.values().copied().collect();
        let mut staff: HashSet<Uuid> = HashSet::new();
        for chunk in known_ids.chunks(500) {
            let found = account::Entity::find()
                .filter(account::Column::PersonId.is_in(chunk.to_vec()))
                .filter(account::Column::Role.ne(crate::PlatformRole::Volunteer))
                .all(db)
                .await?;
            staff.extend(found.into_iter().map(|a| a.person_id));
        }
        let members: HashSet<Uuid> = membership::Entity::find()
            .filter(membership::Column::OrganizationId.eq(organization_id))
            .filter(membership::Column::LeftOn.is_null())
            .all(db)
            .await?
            .into_iter()
            .map(|m| m.person_id)
            .collect();
        Ok(Known {
            people,
            staff,
            members,
        })
    }
}

/// Checks every row against the file itself and the database as it is now.
async fn check(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    rows: &[RosterRow],
) -> Result<(Vec<PreviewRow>, Vec<GoodRow>), MemberError> {
    let known = Known::of(db, organization_id, rows).await?;
    let mut seen: HashSet<String> = HashSet::new();
    let mut preview = Vec::with_capacity(rows.len());
    let mut good = Vec::new();
    for row in rows {
        let (line, ok) = check_row(row, &known, &mut seen);
        preview.push(line);
        good.extend(ok);
    }
    Ok((preview, good))
}

/// One row as the preview shows it, and as it will be enrolled when nothing is wrong.
fn check_row(
    row: &RosterRow,
    known: &Known,
    seen: &mut HashSet<String>,
) -> (PreviewRow, Option<GoodRow>) {
    let phone = Phone::parse("phone", &row.phone);
    let existing = (phone.as_ref().ok()).and_then(|p| known.people.get(p.as_str()).copied());
    let name = PersonName::parse("name", &row.name);
    let skills = parse_skills("skills", &row.skills);
    let role = MemberRole::parse(&row.role);
    let problem = if row.name.trim().is_empty() && existing.is_none() {
        Some("error-import-name-missing")
    } else if let Err(e) = &phone {
        Some(e.reason)
    } else if let (Err(e), None) = (&name, existing) {
        Some(e.reason)
    } else if let Ok(phone) = &phone
        && !seen.insert(phone.as_str().to_owned())
    {
        Some("error-import-duplicate")
    } else if existing.is_some_and(|id| known.members.contains(&id)) {
        Some("error-import-already-member")
    } else if existing.is_some_and(|id| known.staff.contains(&id)) {
        Some("error-staff-not-enrollable")
    } else if let Err(e) = &skills {
        Some(e.reason)
    } else if role.is_none() {
        Some("error-import-role")
    } else {
        None
    };
    let preview = PreviewRow {
        line: row.line,
        name: row.name.trim().to_owned(),
        phone: (phone.as_ref())
            .map(|p| mask_phone(p.as_str()))
            .unwrap_or_else(|_| row.phone.clone()),
        skills: skills.clone().unwrap_or_default(),
        role,
        existing: existing.is_some(),
        problem,
    };
    let good = match (problem, phone, skills, role) {
        (None, Ok(phone), Ok(skills), Some(role)) => Some(GoodRow {
            name: name.ok(),
            phone,
            skills,
            role,
            existing,
        }),
        _ => None,
    };
    (preview, good)
}

fn require_manager(actor: &Actor, organization_id: Uuid) -> Result<(), MemberError> {
    if actor.can_manage_org(organization_id) {
        Ok(())
    } else {
        Err(MemberError::Forbidden)
    }
}

/// Stores an uploaded roster for preview; returns its id.
pub async fn upload(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    file_name: &str,
    bytes: &[u8],
) -> Result<Uuid, MemberError> {
    require_manager(actor, organization_id)?;
    orgs::find(db, organization_id).await?;
    let rows = parse_file(file_name, bytes)?;
    let id = Uuid::now_v7();
    roster_import::ActiveModel {
        id: Set(id),
        organization_id: Set(organization_id),
        created_by: Set(actor.person_id),
        file_name: Set(file_name.chars().take(200).collect()),
        rows: Set(serde_json::to_string(&rows).map_err(|e| MemberError::Internal(e.to_string()))?),
        created_at: Set(Utc::now()),
        committed_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}

async fn load_import(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    import_id: Uuid,
) -> Result<(roster_import::Model, Vec<RosterRow>), MemberError> {
    let import = roster_import::Entity::find_by_id(import_id)
        .filter(roster_import::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or(MemberError::NotFound)?;
    let rows: Vec<RosterRow> =
        serde_json::from_str(&import.rows).map_err(|e| MemberError::Internal(e.to_string()))?;
    Ok((import, rows))
}

/// What confirming would do, row by row.
pub async fn preview(
    db: &impl ConnectionTrait,
    actor: &Actor,
    organization_id: Uuid,
    import_id: Uuid,
) -> Result<(roster_import::Model, Preview), MemberError> {
    require_manager(actor, organization_id)?;
    let (import, rows) = load_import(db, organization_id, import_id).await?;
    let (rows, good) = check(db, organization_id, &rows).await?;
    let good = good.len();
    let bad = rows.len() - good;
    Ok((import, Preview { rows, good, bad }))
}

/// How a confirmed import ended.
#[derive(Debug, Serialize)]
pub struct Committed {
    pub added: usize,
    pub new_people: usize,
    pub skipped: usize,
    /// People with accounts of their own: invited, members once they accept.
    pub invited: usize,
}

/// Writes every good row in one transaction (checked again against the database as it
/// is now), or nothing. An import is committed once; importing the same file again
/// finds everyone already a member and adds no one twice.
pub async fn commit(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    import_id: Uuid,
    today: NaiveDate,
) -> Result<Committed, MemberError> {
    require_manager(actor, organization_id)?;
    let txn = tx::begin_write(db).await?;
    // Claims the import: of two confirmations, one commits and the other is told.
    let claimed = roster_import::Entity::update_many()
        .col_expr(roster_import::Column::CommittedAt, Expr::value(Utc::now()))
        .filter(roster_import::Column::Id.eq(import_id))
        .filter(roster_import::Column::OrganizationId.eq(organization_id))
        .filter(roster_import::Column::CommittedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        load_import(&txn, organization_id, import_id).await?;
        return Err(MemberError::field(
            "import",
            "error-import-already-committed",
        ));
    }
    let (_, rows) = load_import(&txn, organization_id, import_id).await?;
    let (preview, good) = check(&txn, organization_id, &rows).await?;
    let mut plan = Plan::new(actor, organization_id, today);
    let invited = Invited::of(&txn, organization_id, &good).await?;
    for row in &good {
        plan.add(&txn, row, &invited).await?;
    }
    plan.write(&txn).await?;
    let committed = Committed {
        added: plan.memberships.len(),
        new_people: plan.people.len(),
        skipped: preview.len() - good.len(),
        invited: plan.invitations.len(),
    };
    audit::record(
        &txn,
        Some(actor.person_id),
        "roster.import",
        "organization",
        Some(organization_id),
        format!(
            "added {}, new people {}, skipped {}, invited {}",
            committed.added, committed.new_people, committed.skipped, committed.invited
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(committed)
}

/// Of the people a roster names who are known already: who has an account of their own
/// (they are invited, not enrolled: they join when they accept, as when a leader adds
/// them by phone), and who was invited to this organization before.
struct Invited {
    with_account: HashSet<Uuid>,
    before: HashMap<Uuid, invitation::Model>,
}

impl Invited {
    async fn of(
        db: &impl ConnectionTrait,
        organization_id: Uuid,
        good: &[GoodRow],
    ) -> Result<Invited, MemberError> {
        let existing_ids: Vec<Uuid> = good.iter().filter_map(|r| r.existing).collect();
        let mut with_account: HashSet<Uuid> = HashSet::new();
        let mut before: HashMap<Uuid, invitation::Model> = HashMap::new();
        for chunk in existing_ids.chunks(500) {
            let accounts = account::Entity::find()
                .filter(account::Column::PersonId.is_in(chunk.to_vec()))
                .all(db)
                .await?;
            with_account.extend(accounts.into_iter().map(|a| a.person_id));
            let invitations = invitation::Entity::find()
                .filter(invitation::Column::OrganizationId.eq(organization_id))
                .filter(invitation::Column::PersonId.is_in(chunk.to_vec()))
                .all(db)
                .await?;
            before.extend(invitations.into_iter().map(|i| (i.person_id, i)));
        }
        Ok(Invited {
            with_account,
            before,
        })
    }
}

/// The rows an import writes, gathered first and written in batches.
struct Plan {
    organization_id: Uuid,
    invited_by: Uuid,
    today: NaiveDate,
    now: chrono::DateTime<Utc>,
    invitations: Vec<invitation::ActiveModel>,
    people: Vec<person::ActiveModel>,
    memberships: Vec<membership::ActiveModel>,
    skills: Vec<(Uuid, &'static str)>,
}

impl Plan {
    fn new(actor: &Actor, organization_id: Uuid, today: NaiveDate) -> Plan {
        Plan {
            organization_id,
            invited_by: actor.person_id,
            today,
            now: Utc::now(),
            invitations: Vec::new(),
            people: Vec::new(),
            memberships: Vec::new(),
            skills: Vec::new(),
        }
    }

    /// A row: an invitation for someone with an account (unless one is waiting: an
    /// answered one is replaced), else a membership, and a new person for a new phone.
    async fn add(
        &mut self,
        db: &impl ConnectionTrait,
        row: &GoodRow,
        invited: &Invited,
    ) -> Result<(), MemberError> {
        if let Some(id) = row.existing.filter(|id| invited.with_account.contains(id)) {
            match invited.before.get(&id) {
                Some(found) if found.status == "pending" => return Ok(()),
                Some(found) => {
                    invitation::Entity::delete_by_id(found.id).exec(db).await?;
                }
                None => {}
            }
            self.invitations.push(invitation::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(self.organization_id),
                person_id: Set(id),
                role: Set(row.role),
                skills: Set(row.skills.join(",")),
                invited_by: Set(self.invited_by),
                created_at: Set(self.now),
                status: Set("pending".to_owned()),
                decided_at: Set(None),
            });
            return Ok(());
        }
        let person_id = match (row.existing, &row.name) {
            (Some(id), _) => id,
            (None, Some(name)) => self.new_person(name, &row.phone),
            (None, None) => return Ok(()),
        };
        self.memberships.push(membership::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(self.organization_id),
            person_id: Set(person_id),
            role: Set(row.role),
            joined_on: Set(self.today),
            left_on: Set(None),
            created_at: Set(self.now),
        });
        self.skills
            .extend(row.skills.iter().map(|skill| (person_id, *skill)));
        Ok(())
    }

    fn new_person(&mut self, name: &PersonName, phone: &Phone) -> Uuid {
        let id = Uuid::now_v7();
        self.people.push(person::ActiveModel {
            id: Set(id),
            name: Set(name.as_str().to_owned()),
            phone: Set(Some(phone.as_str().to_owned())),
            birth_date: Set(None),
            consent_version: Set(None),
            consent_at: Set(None),
            erased_at: Set(None),
            created_at: Set(self.now),
            updated_at: Set(self.now),
        });
        id
    }

    /// Batches keep each statement under the databases' parameter limits.
    async fn write(&self, db: &impl ConnectionTrait) -> Result<(), MemberError> {
        for batch in self.people.chunks(500) {
            person::Entity::insert_many(batch.to_vec()).exec(db).await?;
        }
        for batch in self.invitations.chunks(500) {
            invitation::Entity::insert_many(batch.to_vec())
                .exec(db)
                .await?;
        }
        for invited in &self.invitations {
            if let sea_orm::ActiveValue::Set(person_id) = invited.person_id {
                memberships::tell_invited(db, self.organization_id, person_id).await?;
            }
        }
        for batch in self.memberships.chunks(500) {
            membership::Entity::insert_many(batch.to_vec())
                .exec(db)
                .await?;
        }
        let people: Vec<Uuid> = self.skills.iter().map(|(p, _)| *p).collect();
        let existing = memberships::skills_of(db, &people).await?;
        let new_skills: Vec<person_skill::ActiveModel> = (self.skills.iter())
            .filter(|(person, skill)| {
                !existing
                    .get(person)
                    .is_some_and(|have| have.iter().any(|s| s == skill))
            })
            .map(|(person_id, skill)| person_skill::ActiveModel {
                person_id: Set(*person_id),
                skill: Set((*skill).to_owned()),
            })
            .collect();
        for batch in new_skills.chunks(500) {
            person_skill::Entity::insert_many(batch.to_vec())
                .exec(db)
                .await?;
        }
        Ok(())
    }
}

/// The current members, for their organization's leaders and staff; logged.
pub async fn export_rows(
    db: &impl ConnectionTrait,
    actor: &Actor,
    organization_id: Uuid,
    format: &str,
) -> Result<Vec<ExportRow>, MemberError> {
    // Only the organization's leaders and staff get this far (`list` checks), and they may
    // see their members' numbers in full.
    let members = memberships::list(db, actor, organization_id, false).await?;
    let rows = members
        .into_iter()
        .map(|row| ExportRow {
            name: row.person.name.clone(),
            phone: row.person.phone.clone().unwrap_or_default(),
            role: row.membership.role.roster_label(),
            skills: row
                .skills
                .iter()
                .map(|s| skill_word(s))
                .collect::<Vec<_>>()
                .join("、"),
            joined_on: row.membership.joined_on,
        })
        .collect::<Vec<_>>();
    audit::record(
        db,
        Some(actor.person_id),
        "roster.export",
        "organization",
        Some(organization_id),
        format!("{format}, {} rows", rows.len()),
    )
    .await?;
    Ok(rows)
}

/// Past imports of an organization that were never confirmed, oldest first: a leader
/// may return to one.
pub async fn pending(
    db: &impl ConnectionTrait,
    actor: &Actor,
    organization_id: Uuid,
) -> Result<Vec<roster_import::Model>, MemberError> {
    require_manager(actor, organization_id)?;
    Ok(roster_import::Entity::find()
        .filter(roster_import::Column::OrganizationId.eq(organization_id))
        .filter(roster_import::Column::CommittedAt.is_null())
        .order_by_asc(roster_import::Column::CreatedAt)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_a_chinese_header_in_any_column_order() {
        let file = "\u{feff}手机号,姓名,角色,技能\n13812345678,张三,负责人,理发、医疗\n,,,\n13912345678,李四,,\n";
        let rows = parse_file("花名册.CSV", file.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].name, "张三");
        assert_eq!(rows[0].phone, "13812345678");
        assert_eq!(rows[0].skills, "理发、医疗");
        assert_eq!(rows[0].role, "负责人");
        assert_eq!(rows[1].line, 4);
    }

    #[test]
    fn a_file_without_a_header_is_name_phone_skills_role() {
        let rows = parse_file("x.csv", "王五,13712345678,维修\n".as_bytes()).unwrap();
        assert_eq!(rows[0].name, "王五");
        assert_eq!(rows[0].line, 1);
    }

    #[test]
    fn unknown_formats_and_gbk_are_refused_with_a_reason() {
        let reason = |name: &str, bytes: &[u8]| match parse_file(name, bytes) {
            Err(MemberError::Invalid(errors)) => errors[0].reason,
            other => panic!("{other:?}"),
        };
        assert_eq!(reason("a.xls", b"x"), "error-import-format");
        assert_eq!(
            reason("a.csv", &[0xD0, 0xD5, 0xC3, 0xFB]),
            "error-import-not-utf8"
        );
        assert_eq!(reason("a.xlsx", b"not a zip"), "error-import-unreadable");
        assert_eq!(
            reason("a.csv", "姓名,手机号\n".as_bytes()),
            "error-import-empty"
        );
    }

    #[test]
    fn an_exported_roster_reads_back() {
        let rows = vec![ExportRow {
            name: "张三".into(),
            phone: "13812345678".into(),
            role: "负责人",
            skills: "理发、医疗".into(),
            joined_on: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        }];
        for (name, bytes) in [
            ("r.csv", to_csv(&rows).unwrap()),
            ("r.xlsx", to_xlsx(&rows, "南湖理发队").unwrap()),
        ] {
            let back = parse_file(name, &bytes).unwrap();
            assert_eq!(back[0].name, "张三", "{name}");
            assert_eq!(back[0].phone, "13812345678", "{name}");
            assert_eq!(back[0].role, "负责人", "{name}");
            assert_eq!(back[0].skills, "理发、医疗", "{name}");
        }
    }
}
