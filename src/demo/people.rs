//! The demo's people: 6,000 members (a third with a skill), the street office's two staff,
//! and the accounts a visitor logs in with.

use member::entities::{account, person, person_skill};
use member::{Actor, PlatformRole};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use uuid::Uuid;

use super::{
    DEMO_ACCOUNTS, Demo, DemoError, LEADER_ORG, MEMBERS, ORGANIZATIONS, STAFF_NAMES, VOLUNTEER,
    fail, name_of, phone_of,
};

const SKILLS: [&str; 8] = [
    "haircut",
    "medical",
    "legal",
    "counselling",
    "tutoring",
    "repair",
    "elderly_care",
    "patrol",
];

fn person_row(demo: &Demo<'_>, id: Uuid, name: String, phone: String) -> person::ActiveModel {
    person::ActiveModel {
        id: Set(id),
        name: Set(name),
        phone: Set(Some(phone)),
        birth_date: Set(None),
        consent_version: Set(None),
        consent_at: Set(None),
        erased_at: Set(None),
        created_at: Set(demo.now),
        updated_at: Set(demo.now),
    }
}

/// The 6,000 members, by number; every third has a skill.
pub(super) async fn members(demo: &Demo<'_>) -> Result<Vec<Uuid>, DemoError> {
    let ids: Vec<Uuid> = (0..MEMBERS).map(|_| Uuid::now_v7()).collect();
    let rows: Vec<person::ActiveModel> = (ids.iter().enumerate())
        .map(|(n, id)| person::ActiveModel {
            birth_date: Set(chrono::NaiveDate::from_ymd_opt(
                1950 + (n % 50) as i32,
                1 + (n % 12) as u32,
                1 + (n % 28) as u32,
            )),
            ..person_row(demo, *id, name_of(n), phone_of(n))
        })
        .collect();
    for chunk in rows.chunks(500) {
        person::Entity::insert_many(chunk.to_vec())
            .exec(demo.db)
            .await
            .map_err(fail)?;
    }
    let skill_rows: Vec<person_skill::ActiveModel> = (ids.iter().enumerate())
        .filter(|(n, _)| n % 3 == 0)
        .map(|(n, id)| person_skill::ActiveModel {
            person_id: Set(*id),
            skill: Set(SKILLS[n % SKILLS.len()].to_owned()),
        })
        .collect();
    for chunk in skill_rows.chunks(500) {
        person_skill::Entity::insert_many(chunk.to_vec())
            .exec(demo.db)
            .await
            .map_err(fail)?;
    }
    Ok(ids)
}

/// The administrator and the coordinator, with their accounts; the coordinator does the
/// rest of the fill.
pub(super) async fn staff(demo: &Demo<'_>) -> Result<Actor, DemoError> {
    let mut staff_ids = Vec::new();
    for ((_, phone, _), name) in DEMO_ACCOUNTS[..2].iter().zip(STAFF_NAMES) {
        let id = Uuid::now_v7();
        person_row(demo, id, name.to_owned(), (*phone).to_owned())
            .insert(demo.db)
            .await
            .map_err(fail)?;
        staff_ids.push(id);
    }
    let roles = [PlatformRole::Admin, PlatformRole::Coordinator];
    for (n, (id, role)) in staff_ids.iter().zip(roles).enumerate() {
        give_account(demo, *id, role, DEMO_ACCOUNTS[n].2).await?;
    }
    Ok(Actor {
        person_id: staff_ids[1],
        account_id: Uuid::now_v7(),
        name: STAFF_NAMES[1].to_owned(),
        role: PlatformRole::Coordinator,
        leads: Vec::new(),
        helps: false,
    })
}

/// The demo leader (who leads their organization as its first member) and the demo
/// volunteer log in too.
pub(super) async fn leader_and_volunteer(
    demo: &Demo<'_>,
    members: &[Uuid],
) -> Result<(), DemoError> {
    let leader = members[LEADER_ORG * (MEMBERS / ORGANIZATIONS)];
    give_account(demo, leader, PlatformRole::Volunteer, DEMO_ACCOUNTS[2].2).await?;
    let volunteer = members[VOLUNTEER];
    give_account(demo, volunteer, PlatformRole::Volunteer, DEMO_ACCOUNTS[3].2).await
}

async fn give_account(
    demo: &Demo<'_>,
    person_id: Uuid,
    role: PlatformRole,
    password: &str,
) -> Result<(), DemoError> {
    let password =
        member::Password::parse("password", password, None).map_err(|e| fail(e.reason))?;
    let hash = member::accounts::hash_password(&password)
        .await
        .map_err(fail)?;
    let now = chrono::Utc::now();
    account::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        password_hash: Set(hash),
        role: Set(role),
        disabled_at: Set(None),
        created_at: Set(now),
        password_changed_at: Set(now),
        elder_mode: Set(false),
    }
    .insert(demo.db)
    .await
    .map_err(fail)?;
    Ok(())
}
