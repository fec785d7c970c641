//! Crash safety: the real binary is killed with SIGKILL in the middle of concurrent
//! sign-ups, check-ins and requests, and restarted. Everything that was answered with
//! success must still be there, no shift may be over capacity, and the database must be
//! sound. On SQLite and on PostgreSQL (whichever the run uses).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use event::entities::{event as event_entity, service_record, shift, signup, stall};
use event::signups::SignupStatus;
use event::stalls::Service;
use event::{EventKind, EventStatus};
use member::entities::{account, person};
use member::{Actor, PlatformRole};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseConnection,
    EntityTrait, QueryFilter, Set, Statement,
};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::binary::{start, weiyifang};
use crate::helpers::TestDatabase;

/// A person with an account and an API token, made directly (no password hashing).
async fn person_with_token(
    db: &DatabaseConnection,
    n: usize,
    role: PlatformRole,
) -> (Actor, String) {
    let now = Utc::now();
    let person_id = Uuid::now_v7();
    person::ActiveModel {
        id: Set(person_id),
        name: Set(format!("志愿者{n}")),
        phone: Set(Some(format!("1370000{n:04}"))),
        birth_date: Set(None),
        consent_version: Set(None),
        consent_at: Set(None),
        erased_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap();
    let account_id = Uuid::now_v7();
    account::ActiveModel {
        id: Set(account_id),
        person_id: Set(person_id),
        password_hash: Set("not-used".into()),
        role: Set(role),
        disabled_at: Set(None),
        created_at: Set(now),
        password_changed_at: Set(now),
        elder_mode: Set(false),
    }
    .insert(db)
    .await
    .unwrap();
    let actor = Actor {
        person_id,
        account_id,
        name: format!("志愿者{n}"),
        role,
        leads: Vec::new(),
        helps: false,
    };
    let (token, _) = member::sessions::issue_api_token(db, &actor, now)
        .await
        .unwrap();
    (actor, token)
}

async fn market(db: &DatabaseConnection, starts: chrono::DateTime<Utc>) -> Uuid {
    event_entity::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set(EventKind::Market),
        title: Set("南湖社区公益集市".into()),
        place: Set("南湖社区广场".into()),
        starts_at: Set(starts),
        ends_at: Set(starts + chrono::Duration::hours(3)),
        status: Set(EventStatus::Published),
        created_at: Set(Utc::now()),
        description: Set(String::new()),
        organizer_id: Set(None),
        project_id: Set(None),
        signup_closes_at: Set(Some(starts - chrono::Duration::minutes(5))),
        cancel_reason: Set(None),
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

async fn shift_of(
    db: &DatabaseConnection,
    event_id: Uuid,
    org: Uuid,
    starts: chrono::DateTime<Utc>,
    capacity: i32,
) -> Uuid {
    let stall_id = stall::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_id: Set(event_id),
        organization_id: Set(org),
        service: Set(Service::Haircut),
        description: Set(String::new()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .unwrap()
    .id;
    shift::ActiveModel {
        id: Set(Uuid::now_v7()),
        stall_id: Set(stall_id),
        starts_at: Set(starts),
        ends_at: Set(starts + chrono::Duration::hours(2)),
        capacity: Set(capacity),
        confirmed_count: Set(0),
        required_skill: Set(None),
        created_at: Set(Utc::now()),
        checkin_token: Set(None),
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

/// What the clients were told succeeded.
#[derive(Default)]
struct Answered {
    signups: Vec<(Uuid, Uuid, String)>,
    checkins: Vec<Uuid>,
    checkouts: Vec<Uuid>,
    requests: Vec<String>,
}

#[tokio::test]
async fn answered_writes_survive_a_sigkill_and_the_database_stays_sound() {
    let database = TestDatabase::create().await;
    let db = database.connect().await;
    weiyifang::db::migrate(&db).await.unwrap();
    let (staff, staff_token) = person_with_token(&db, 9999, PlatformRole::Coordinator).await;
    let org = member::orgs::register(
        &db,
        &staff,
        &member::orgs::OrgInput {
            name: "南湖爱心理发队".into(),
            theme: "elderly".into(),
            community: "南湖社区".into(),
            contact_name: "联系人".into(),
            contact_phone: "13900000000".into(),
            ..Default::default()
        },
        "",
        Utc::now().date_naive(),
    )
    .await
    .unwrap()
    .id;
    // Tomorrow's market: four shifts of five places, raced for by forty volunteers.
    let tomorrow = market(&db, Utc::now() + chrono::Duration::days(1)).await;
    let mut race = Vec::new();
    for _ in 0..4 {
        race.push(
            shift_of(
                &db,
                tomorrow,
                org,
                Utc::now() + chrono::Duration::days(1),
                5,
            )
            .await,
        );
    }
    // Today's market, on now: twenty volunteers already confirmed, checking in and out.
    let today = market(&db, Utc::now() - chrono::Duration::minutes(20)).await;
    let now_shift = shift_of(
        &db,
        today,
        org,
        Utc::now() - chrono::Duration::minutes(10),
        20,
    )
    .await;
    let checkin_token = event::records::checkin_token(&db, &staff, now_shift)
        .await
        .unwrap();
    let mut volunteers = Vec::new();
    for n in 0..40 {
        let (actor, token) = person_with_token(&db, n, PlatformRole::Volunteer).await;
        if n < 20 {
            signup::ActiveModel {
                id: Set(Uuid::now_v7()),
                shift_id: Set(now_shift),
                person_id: Set(actor.person_id),
                status: Set(SignupStatus::Confirmed),
                created_at: Set(Utc::now()),
                confirmed_at: Set(Some(Utc::now())),
                cancelled_at: Set(None),
                added_by: Set(None),
            }
            .insert(&db)
            .await
            .unwrap();
        }
        volunteers.push((actor, token));
    }
    shift::Entity::update_many()
        .col_expr(
            shift::Column::ConfirmedCount,
            sea_orm::sea_query::Expr::value(20),
        )
        .filter(shift::Column::Id.eq(now_shift))
        .exec(&db)
        .await
        .unwrap();

    let folder = tempfile::tempdir().unwrap();
    let mut command = weiyifang(folder.path());
    command.env("DATABASE_URL", database.url());
    let (mut child, base) = start(command).await;

    let answered = Arc::new(Mutex::new(Answered::default()));
    let successes = Arc::new(AtomicUsize::new(0));
    let client = crate::helpers::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut tasks = Vec::new();
    for (n, (actor, token)) in volunteers.into_iter().enumerate() {
        let (client, base, answered, successes) = (
            client.clone(),
            base.clone(),
            answered.clone(),
            successes.clone(),
        );
        let race_shift = race[n % race.len()];
        let checkin_token = checkin_token.clone();
        tasks.push(tokio::spawn(async move {
            let Ok(response) = client
                .post(format!("{base}/api/v1/shifts/{race_shift}/signup"))
                .bearer_auth(&token)
                .send()
                .await
            else {
                return;
            };
            if response.status() == 201 {
                let Ok(body) = response.json::<serde_json::Value>().await else {
                    return;
                };
                let status = body["status"].as_str().unwrap_or_default().to_owned();
                answered
                    .lock()
                    .await
                    .signups
                    .push((actor.person_id, race_shift, status));
                successes.fetch_add(1, Ordering::SeqCst);
            }
            if n >= 20 {
                return;
            }
            for step in 0..2 {
                let Ok(response) = client
                    .post(format!("{base}/checkin/{checkin_token}"))
                    .bearer_auth(&token)
                    .send()
                    .await
                else {
                    return;
                };
                if response.status() != 303 {
                    return;
                }
                let mut seen = answered.lock().await;
                if step == 0 {
                    seen.checkins.push(actor.person_id);
                } else {
                    seen.checkouts.push(actor.person_id);
                }
                successes.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    // A coordinator keeps entering residents' requests until the server dies.
    for _ in 0..4 {
        let (client, base, answered, successes, token) = (
            client.clone(),
            base.clone(),
            answered.clone(),
            successes.clone(),
            staff_token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let Ok(response) = client
                    .post(format!("{base}/api/v1/requests"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({
                        "category": "environment",
                        "description": "垃圾桶满了",
                        "community": "南湖社区",
                        "channel": "phone"
                    }))
                    .send()
                    .await
                else {
                    return;
                };
                if response.status() != 201 {
                    return;
                }
                let Ok(body) = response.json::<serde_json::Value>().await else {
                    return;
                };
                let code = body["tracking_code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                answered.lock().await.requests.push(code);
                successes.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }

    // Mid-load: once enough has been answered, SIGKILL — no shutdown, no flushing.
    tokio::time::timeout(Duration::from_secs(60), async {
        while successes.load(Ordering::SeqCst) < 90 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the server answers 90 writes within a minute");
    child.kill().await.unwrap();
    for task in tasks {
        task.await.unwrap();
    }
    let answered = answered.lock().await;
    assert!(!answered.requests.is_empty() && !answered.checkins.is_empty());

    // The restarted server comes up on the same database.
    let mut command = weiyifang(folder.path());
    command.env("DATABASE_URL", database.url());
    let (child, base) = start(command).await;
    let health = crate::helpers::fetch(format!("{base}/healthz"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    drop(child);

    let db = database.connect().await;
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        let integrity = db
            .query_one_raw(Statement::from_string(
                DatabaseBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<String>(0)
            .unwrap();
        assert_eq!(integrity, "ok");
    }
    for (person_id, shift_id, status) in &answered.signups {
        let stored = signup::Entity::find()
            .filter(signup::Column::PersonId.eq(*person_id))
            .filter(signup::Column::ShiftId.eq(*shift_id))
            .one(&db)
            .await
            .unwrap()
            .expect("an answered sign-up is stored");
        assert_eq!(stored.status.as_str(), status, "as the volunteer was told");
    }
    for shift_row in shift::Entity::find().all(&db).await.unwrap() {
        let confirmed = signup::Entity::find()
            .filter(signup::Column::ShiftId.eq(shift_row.id))
            .filter(signup::Column::Status.eq(SignupStatus::Confirmed.as_str()))
            .all(&db)
            .await
            .unwrap()
            .len() as i32;
        assert!(confirmed <= shift_row.capacity, "over capacity");
        assert_eq!(confirmed, shift_row.confirmed_count);
    }
    let records = service_record::Entity::find().all(&db).await.unwrap();
    for person_id in &answered.checkins {
        assert!(
            records
                .iter()
                .any(|r| r.person_id == *person_id && r.checked_in_at.is_some()),
            "an answered check-in is stored"
        );
    }
    for person_id in &answered.checkouts {
        assert!(
            records
                .iter()
                .any(|r| r.person_id == *person_id && r.checked_out_at.is_some()),
            "an answered check-out is stored"
        );
    }
    for code in &answered.requests {
        triage::requests::find_by_code(&db, code)
            .await
            .expect("an answered request is stored");
    }
    eprintln!(
        "killed after {} answered writes: {} sign-ups, {} check-ins, {} check-outs, {} requests — all present",
        successes.load(Ordering::SeqCst),
        answered.signups.len(),
        answered.checkins.len(),
        answered.checkouts.len(),
        answered.requests.len()
    );
}
