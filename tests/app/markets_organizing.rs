//! Organizing the day: a leader's members on their stalls, the sign-up cut-off, activities, stalls of active organizations only, the API, and what deleting an account gives up.

use chrono::{Duration, Utc};
use event::entities::shift;
use event::schedule::{self, MarketInput};
use event::signups::{self, SignupStatus};
use event::stalls::{self, ShiftInput};
use member::PlatformRole;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::helpers::TestApp;

use crate::markets::{market_with_shift, volunteer};

#[tokio::test]
async fn a_leader_puts_their_members_on_their_stalls_shifts_only() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    app.add_account(PlatformRole::Volunteer, "乙队长", "13911110002")
        .await;
    let org = app
        .add_org("甲队", "elderly", "南湖社区", "13911110001")
        .await;
    app.add_org("乙队", "elderly", "南湖社区", "13911110002")
        .await;
    let member_id = app
        .add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    app.add_account(PlatformRole::Volunteer, "路人", "13700000000")
        .await;
    member::memberships::add_member(
        &app.db,
        &staff,
        org,
        &member::memberships::NewMember {
            phone: "13912345678".into(),
            role: "member".into(),
            ..Default::default()
        },
        Utc::now().date_naive(),
    )
    .await
    .unwrap();
    app.accept_invitations("13912345678").await;
    let (market, _) = market_with_shift(&app, 1).await;
    let stall = stalls::add_stall(&app.db, &staff, market, &org.to_string(), "clinic", "")
        .await
        .unwrap();
    let shift = stalls::add_shift(
        &app.db,
        &staff,
        stall.id,
        &ShiftInput {
            starts: "09:00".into(),
            ends: "10:00".into(),
            capacity: "2".into(),
            required_skill: String::new(),
        },
    )
    .await
    .unwrap();

    let leader = app.browser();
    leader.login("13911110001", crate::helpers::PASSWORD).await;
    let assign = format!("/shifts/{}/assign", shift.id);
    let response = leader.post(&assign, &[("phone", "13700000000")]).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("这个人不是本组织成员")
    );
    let response = leader.post(&assign, &[("phone", "13912345678")]).await;
    assert_eq!(response.status(), 303);
    let mine = signups::my_shifts(&app.db, member_id).await.unwrap();
    assert_eq!(mine[0].standing.status, SignupStatus::Confirmed);

    let other = app.browser();
    other.login("13911110002", crate::helpers::PASSWORD).await;
    assert_eq!(
        other
            .post(&assign, &[("phone", "13912345678")])
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn coordinators_set_when_sign_up_closes() {
    let app = TestApp::new().await;
    let (market, shift_id) = market_with_shift(&app, 3).await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let cutoff = format!("/markets/{market}/cutoff");
    let response = coordinator
        .post(&cutoff, &[("closes_at", "2099-01-01T00:00")])
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("报名截止时间不能晚于活动开始")
    );
    let yesterday = (Utc::now() - Duration::days(1)).with_timezone(&schedule::shanghai());
    let value = yesterday.format("%Y-%m-%dT%H:%M").to_string();
    assert_eq!(
        coordinator
            .post(&cutoff, &[("closes_at", value.as_str())])
            .await
            .status(),
        303
    );
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let response = volunteer
        .post(&format!("/shifts/{shift_id}/signup"), &[])
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("报名已截止"));
    assert_eq!(
        volunteer.post(&cutoff, &[("closes_at", "")]).await.status(),
        403
    );
    // Back to the default (the day before), sign-up opens again.
    assert_eq!(
        coordinator
            .post(&cutoff, &[("closes_at", "")])
            .await
            .status(),
        303
    );
    assert_eq!(
        volunteer
            .post(&format!("/shifts/{shift_id}/signup"), &[])
            .await
            .status(),
        303
    );
}

#[tokio::test]
async fn sign_up_and_cancel_through_the_api() {
    let app = TestApp::new().await;
    let (market, shift_id) = market_with_shift(&app, 1).await;
    app.add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    app.add_account(PlatformRole::Volunteer, "张大爷", "13812345678")
        .await;
    let li = app.api_token("13912345678", crate::helpers::PASSWORD).await;
    let zhang = app.api_token("13812345678", crate::helpers::PASSWORD).await;
    let call = |method: &str, path: String, token: &str| {
        app.client
            .request(method.parse().unwrap(), app.url(&path))
            .bearer_auth(token.to_owned())
            .send()
    };
    let response = call("POST", format!("/api/v1/shifts/{shift_id}/signup"), &li)
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "confirmed");
    let body: serde_json::Value = call("POST", format!("/api/v1/shifts/{shift_id}/signup"), &zhang)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (body["status"].as_str(), body["position"].as_u64()),
        (Some("waitlisted"), Some(1))
    );
    let again = call("POST", format!("/api/v1/shifts/{shift_id}/signup"), &zhang)
        .await
        .unwrap();
    assert_eq!(again.status(), 422);

    let day: serde_json::Value = app
        .get(&format!("/api/v1/markets/{market}"))
        .await
        .json()
        .await
        .unwrap();
    let shift = &day["stalls"][0]["shifts"][0];
    assert_eq!(
        (shift["free"].as_i64(), shift["waiting"].as_u64()),
        (Some(0), Some(1))
    );
    assert!(!day.to_string().contains("李阿姨"), "no names");

    assert_eq!(
        call("DELETE", format!("/api/v1/shifts/{shift_id}/signup"), &li)
            .await
            .unwrap()
            .status(),
        204
    );
    let mine: serde_json::Value = call("GET", "/api/v1/me/shifts".into(), &zhang)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine[0]["standing"]["status"], "confirmed");
}

#[tokio::test]
async fn a_leader_organizes_a_patrol_activity_for_their_project() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    app.add_account(PlatformRole::Volunteer, "乙队长", "13911110002")
        .await;
    let org = app
        .add_org("平安巡逻队", "safety", "南湖社区", "13911110001")
        .await;
    app.add_org("乙队", "safety", "南湖社区", "13911110002")
        .await;
    let leader = app.browser();
    leader.login("13911110001", crate::helpers::PASSWORD).await;
    let project = leader
        .post(
            "/projects/new",
            &[
                ("organization_id", &org.to_string()),
                ("title", "治安巡逻·共护平安家园"),
                ("theme", "safety"),
                ("community", "南湖社区"),
                ("starts_on", "2025-03-01"),
            ],
        )
        .await;
    let project_id = crate::helpers::location(&project)
        .trim_start_matches("/projects/")
        .to_owned();
    let date = (Utc::now() + Duration::days(5))
        .with_timezone(&schedule::shanghai())
        .format("%Y-%m-%d")
        .to_string();
    let form = [
        ("title", "夜间治安巡逻"),
        ("date", date.as_str()),
        ("starts", "19:00"),
        ("ends", "21:00"),
        ("place", "南湖社区东门"),
        ("project_id", project_id.as_str()),
    ];
    let other = app.browser();
    other.login("13911110002", crate::helpers::PASSWORD).await;
    assert_eq!(
        other
            .post(&format!("/orgs/{org}/activities/new"), &form)
            .await
            .status(),
        403
    );

    let response = leader
        .post(&format!("/orgs/{org}/activities/new"), &form)
        .await;
    assert_eq!(response.status(), 303);
    let path = crate::helpers::location(&response);
    let id: Uuid = path.trim_start_matches("/markets/").parse().unwrap();
    let stored = schedule::find(&app.db, id).await.unwrap();
    assert_eq!(stored.kind, event::EventKind::Activity);
    assert_eq!(stored.organizer_id, Some(org));
    assert_eq!(
        stored.project_id.map(|p| p.to_string()),
        Some(project_id.clone())
    );
    assert_eq!(app.browser().get(&path).await.status(), 404, "a draft");
    assert!(
        leader
            .get_text(&format!("/orgs/{org}"))
            .await
            .contains("夜间治安巡逻")
    );

    assert_eq!(
        other.post(&format!("{path}/publish"), &[]).await.status(),
        403
    );
    assert_eq!(
        leader.post(&format!("{path}/publish"), &[]).await.status(),
        303
    );
    let public = app.browser().get_text(&path).await;
    assert!(public.contains("夜间治安巡逻") && public.contains("平安巡逻队"));

    // Once held, the activity counts for its project.
    let later = Utc::now() + Duration::days(30);
    let stats = event::stats::stats(&app.db, None, None, None, later)
        .await
        .unwrap();
    let project: Uuid = project_id.parse().unwrap();
    assert_eq!(
        stats
            .by_project
            .get(&project)
            .map(|f| (f.market_days, f.activities)),
        Some((0, 1)),
        "an activity, not a market day"
    );
}

#[tokio::test]
async fn stalls_need_an_active_organization_and_drafts_take_no_sign_ups() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let day = (Utc::now() + Duration::days(9))
        .with_timezone(&schedule::shanghai())
        .date_naive();
    let input = MarketInput {
        title: "草稿集市".into(),
        place: "广场".into(),
        description: String::new(),
        starts: "09:00".into(),
        ends: "11:00".into(),
    };
    let draft = schedule::create_market(
        &app.db,
        &staff,
        &input,
        &day.to_string(),
        day - Duration::days(9),
    )
    .await
    .unwrap();
    let active = app.add_org("活跃队", "elderly", "南湖社区", "").await;
    let exited = app.add_org("退出队", "elderly", "南湖社区", "").await;
    member::orgs::transition(
        &app.db,
        &staff,
        exited,
        "exited",
        "",
        "解散",
        Utc::now().date_naive(),
    )
    .await
    .unwrap();
    match stalls::add_stall(
        &app.db,
        &staff,
        draft.id,
        &exited.to_string(),
        "haircut",
        "",
    )
    .await
    {
        Err(event::EventError::Invalid(errors)) => {
            assert_eq!(errors[0].reason, "error-org-not-active")
        }
        other => panic!("{other:?}"),
    }
    let stall = stalls::add_stall(
        &app.db,
        &staff,
        draft.id,
        &active.to_string(),
        "haircut",
        "",
    )
    .await
    .unwrap();
    for (starts, ends, capacity, reason) in [
        ("10:00", "09:00", "3", "error-time-order"),
        ("09:00", "10:00", "0", "error-capacity-invalid"),
        ("09:00", "10:00", "501", "error-capacity-invalid"),
        ("9点", "10:00", "3", "error-time-invalid"),
    ] {
        let shift = ShiftInput {
            starts: starts.into(),
            ends: ends.into(),
            capacity: capacity.into(),
            required_skill: String::new(),
        };
        match stalls::add_shift(&app.db, &staff, stall.id, &shift).await {
            Err(event::EventError::Invalid(errors)) => {
                assert_eq!(errors[0].reason, reason, "{starts}-{ends} x{capacity}")
            }
            other => panic!("{other:?}"),
        }
    }
    let shift = stalls::add_shift(
        &app.db,
        &staff,
        stall.id,
        &ShiftInput {
            starts: "09:00".into(),
            ends: "10:00".into(),
            capacity: "3".into(),
            required_skill: String::new(),
        },
    )
    .await
    .unwrap();
    match signups::sign_up(&app.db, &volunteer(&app, 1).await, shift.id, Utc::now()).await {
        Err(event::EventError::Invalid(errors)) => {
            assert_eq!(errors[0].reason, "error-event-not-open")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(shift::Entity::find().count(&app.db).await.unwrap(), 1);
}

#[tokio::test]
async fn deleting_an_account_gives_up_places_and_leaves_organizations() {
    let app = TestApp::new().await;
    let (_, shift_id) = market_with_shift(&app, 1).await;
    let org = app.add_org("甲队", "safety", "南湖社区", "").await;
    let li = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let waiting = volunteer(&app, 1).await;
    member::memberships::add_member(
        &app.db,
        &app.staff_actor(),
        org,
        &member::memberships::NewMember {
            phone: "13912345678".into(),
            role: "member".into(),
            ..Default::default()
        },
        Utc::now().date_naive(),
    )
    .await
    .unwrap();
    app.accept_invitations("13912345678").await;
    li.post(&format!("/shifts/{shift_id}/signup"), &[]).await;
    signups::sign_up(&app.db, &waiting, shift_id, Utc::now())
        .await
        .unwrap();

    assert_eq!(
        li.post("/me/delete", &[("password", crate::helpers::PASSWORD)])
            .await
            .status(),
        303
    );
    let theirs = signups::my_shifts(&app.db, waiting.person_id)
        .await
        .unwrap();
    assert_eq!(
        theirs[0].standing.status,
        SignupStatus::Confirmed,
        "the place went to the next in line"
    );
    let current = member::entities::membership::Entity::find()
        .filter(member::entities::membership::Column::LeftOn.is_null())
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(current, 0, "the erased person left the organization");

    // Through the API the same function runs: a wrong password changes nothing, the right
    // one gives the place to the next in line as well.
    let wang = app
        .add_account(PlatformRole::Volunteer, "王师傅", "13912340000")
        .await;
    signups::sign_up(
        &app.db,
        &crate::helpers::volunteer(wang),
        shift_id,
        Utc::now(),
    )
    .await
    .unwrap();
    signups::cancel(&app.db, &waiting, shift_id, Utc::now())
        .await
        .unwrap();
    let third = volunteer(&app, 2).await;
    signups::sign_up(&app.db, &third, shift_id, Utc::now())
        .await
        .unwrap();
    let token = app.api_token("13912340000", crate::helpers::PASSWORD).await;
    let delete = |password: &'static str| {
        app.client
            .delete(app.url("/api/v1/me"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "password": password }))
            .send()
    };
    assert_eq!(delete("not mine").await.unwrap().status(), 422);
    assert_eq!(
        signups::my_shifts(&app.db, third.person_id).await.unwrap()[0]
            .standing
            .status,
        SignupStatus::Waitlisted
    );
    assert_eq!(
        delete(crate::helpers::PASSWORD).await.unwrap().status(),
        204
    );
    assert_eq!(
        signups::my_shifts(&app.db, third.person_id).await.unwrap()[0]
            .standing
            .status,
        SignupStatus::Confirmed,
        "the API gave the place on too"
    );
}
