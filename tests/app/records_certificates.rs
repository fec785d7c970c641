//! Certificates anyone can verify, checking in by HTTP on the day, a leader's own figures, attendance by hand.

use chrono::{Duration, Utc};
use event::EventStatus;
use event::records::{self};
use event::signups;
use member::PlatformRole;

use crate::helpers::{TestApp, location};
use crate::markets::market_with_shift;

use crate::records::reason;

#[tokio::test]
async fn a_volunteer_gets_a_certificate_that_anyone_can_verify() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, shift_id) = market_with_shift(&app, 2).await;
    let id = app
        .add_account(PlatformRole::Volunteer, "李秀英", "13912345678")
        .await;
    let actor = member::Actor {
        person_id: id,
        account_id: uuid::Uuid::now_v7(),
        name: "李秀英".into(),
        role: PlatformRole::Volunteer,
        leads: Vec::new(),
        helps: false,
    };
    signups::sign_up(&app.db, &actor, shift_id, Utc::now())
        .await
        .unwrap();
    let shift = event::stalls::find_shift(&app.db, shift_id).await.unwrap();
    let token = records::checkin_token(&app.db, &staff, shift_id)
        .await
        .unwrap();
    records::scan(&app.db, &actor, &token, shift.starts_at)
        .await
        .unwrap();
    records::scan(
        &app.db,
        &actor,
        &token,
        shift.starts_at + Duration::minutes(60),
    )
    .await
    .unwrap();
    let (_, blocks) = records::attendance(&app.db, &staff, shift.stall_id)
        .await
        .unwrap();
    records::enter_hours(
        &app.db,
        &staff,
        blocks[0].lines[0].record.as_ref().unwrap().id,
        ("1.0", ""),
        &crate::helpers::publicity(),
        shift.ends_at,
    )
    .await
    .unwrap();

    let day = event::schedule::find(&app.db, market)
        .await
        .unwrap()
        .starts_at
        .with_timezone(&event::schedule::shanghai())
        .date_naive();
    let (from, until) = (day.to_string(), day.to_string());
    let later = Utc::now() + Duration::days(30);
    let street = event::certificates::Issuer {
        name: "南湖街道".into(),
        ..Default::default()
    };
    // Nothing to certify before the day: a period cannot end in the future.
    assert_eq!(
        reason(
            event::certificates::issue(
                &app.db,
                &actor,
                &from,
                &until,
                &Default::default(),
                &street,
                Utc::now()
            )
            .await
        ),
        "error-period-in-future"
    );
    assert_eq!(
        reason(
            event::certificates::issue(
                &app.db,
                &actor,
                &until,
                "2000-01-01",
                &Default::default(),
                &street,
                later
            )
            .await
        ),
        "error-end-before-start"
    );
    let issued = event::certificates::issue(
        &app.db,
        &actor,
        &from,
        &until,
        &Default::default(),
        &street,
        later,
    )
    .await
    .unwrap();
    assert_eq!((issued.services, issued.hours_tenths), (1, 10));

    let holder = app.browser();
    holder.login("13912345678", crate::helpers::PASSWORD).await;
    let page = holder
        .get_text(&format!("/certificates/{}", issued.number))
        .await;
    assert!(page.contains("李秀英") && page.contains("139****5678") && page.contains("南湖街道"));
    assert!(page.contains("<svg") && page.contains(&format!("/verify/{}", issued.number)));
    let stranger = app
        .signed_in(PlatformRole::Volunteer, "路人", "13700000000")
        .await;
    assert_eq!(
        stranger
            .get(&format!("/certificates/{}", issued.number))
            .await
            .status(),
        404
    );

    let verified = app
        .browser()
        .get(&format!("/verify/{}", issued.number))
        .await;
    assert_eq!(verified.status(), 200);
    let page = verified.text().await.unwrap();
    assert!(page.contains("真实证明") && page.contains("李**") && !page.contains("李秀英"));
    assert!(page.contains("1.0"));

    let mut tampered = issued.number.clone().into_bytes();
    tampered[6] = if tampered[6] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let response = app.browser().get(&format!("/verify/{tampered}")).await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("格式不正确"));
    // Well formed (its check character is right) but never issued.
    let response = app.browser().get("/verify/WYF-22222222222").await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().contains("没有出具过"));
}

#[tokio::test]
async fn checking_in_and_out_by_http_on_the_day() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let now = Utc::now();
    // A market happening right now (stored directly: the scheduling pages only plan ahead).
    let market = app
        .add_market(
            "今天的集市",
            now - Duration::minutes(10),
            now + Duration::hours(2),
            EventStatus::Published,
        )
        .await;
    let org = app
        .add_org("南湖爱心理发队", "elderly", "南湖社区", "")
        .await;
    let stall =
        event::stalls::add_stall(&app.db, &staff, market.id, &org.to_string(), "haircut", "")
            .await
            .unwrap();
    let shift = event::entities::shift::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        stall_id: Set(stall.id),
        starts_at: Set(now - Duration::minutes(10)),
        ends_at: Set(now + Duration::minutes(50)),
        capacity: Set(3),
        confirmed_count: Set(0),
        required_skill: Set(None),
        created_at: Set(now),
        checkin_token: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let id = app
        .add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let actor = member::Actor {
        person_id: id,
        account_id: uuid::Uuid::now_v7(),
        name: "李阿姨".into(),
        role: PlatformRole::Volunteer,
        leads: Vec::new(),
        helps: false,
    };
    // Signed up two days ago, before the cut-off.
    signups::sign_up(&app.db, &actor, shift.id, now - Duration::days(2))
        .await
        .unwrap();
    let token = records::checkin_token(&app.db, &staff, shift.id)
        .await
        .unwrap();

    let volunteer = app.browser();
    volunteer
        .login("13912345678", crate::helpers::PASSWORD)
        .await;
    let path = format!("/checkin/{token}");
    assert!(volunteer.get_text(&path).await.contains("今天的集市"));
    let response = volunteer.post(&path, &[]).await;
    assert_eq!(response.status(), 303);
    assert!(
        volunteer
            .get_text(&location(&response))
            .await
            .contains("签到成功")
    );
    let response = volunteer.post(&path, &[]).await;
    assert_eq!(response.status(), 303);
    assert!(
        volunteer
            .get_text(&location(&response))
            .await
            .contains("签退成功")
    );
    let response = volunteer.post(&path, &[]).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("您已经签退过了"));

    let (_, blocks) = records::attendance(&app.db, &staff, stall.id)
        .await
        .unwrap();
    let record = blocks[0].lines[0].record.as_ref().unwrap();
    assert!(record.checked_in_at.is_some() && record.checked_out_at.is_some());
    assert_eq!(record.attendance.as_deref(), Some("attended"));
    // Someone else's code is no use to a stranger.
    let stranger = app
        .signed_in(PlatformRole::Volunteer, "路人", "13700000000")
        .await;
    assert_eq!(stranger.post(&path, &[]).await.status(), 422);
    assert_eq!(stranger.get("/checkin/not-a-token").await.status(), 404);
}

#[tokio::test]
async fn a_leader_sees_the_figures_of_their_organization_only() {
    let app = TestApp::new().await;
    app.add_account(PlatformRole::Volunteer, "甲队长", "13911110001")
        .await;
    let org = app
        .add_org("甲队", "safety", "南湖社区", "13911110001")
        .await;
    let other = app.add_org("乙队", "safety", "南湖社区", "").await;
    let leader = app.browser();
    leader.login("13911110001", crate::helpers::PASSWORD).await;
    let page = leader
        .get_text(&format!("/orgs/{org}/dashboard?period=all"))
        .await;
    assert!(page.contains("数据看板 · 甲队") && page.contains("服务居民人次"));
    assert!(
        !page.contains("下载月报"),
        "street-wide parts are for staff"
    );
    assert_eq!(
        leader
            .get(&format!("/orgs/{other}/dashboard"))
            .await
            .status(),
        403
    );
    assert_eq!(leader.get("/dashboard").await.status(), 403);
}

#[tokio::test]
async fn a_leader_marks_attendance_by_hand_and_closes_a_missing_check_out() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (_, shift_id) = market_with_shift(&app, 3).await;
    let mut signup_ids = Vec::new();
    for (n, phone) in ["13911110001", "13911110002"].into_iter().enumerate() {
        let id = app
            .add_account(PlatformRole::Volunteer, &format!("志愿者{n}"), phone)
            .await;
        let actor = member::Actor {
            person_id: id,
            account_id: uuid::Uuid::now_v7(),
            name: String::new(),
            role: PlatformRole::Volunteer,
            leads: Vec::new(),
            helps: false,
        };
        signups::sign_up(&app.db, &actor, shift_id, Utc::now())
            .await
            .unwrap();
        let (_, blocks) = records::attendance(
            &app.db,
            &staff,
            event::stalls::find_shift(&app.db, shift_id)
                .await
                .unwrap()
                .stall_id,
        )
        .await
        .unwrap();
        signup_ids.push(
            blocks[0]
                .lines
                .iter()
                .find(|l| l.signup.person_id == id)
                .unwrap()
                .signup
                .id,
        );
    }
    // The day takes place (a fortnight on, it was a week ago): attendance can be marked.
    let market = event::stalls::find_stall(
        &app.db,
        event::stalls::find_shift(&app.db, shift_id)
            .await
            .unwrap()
            .stall_id,
    )
    .await
    .unwrap()
    .event_id;
    app.move_day(market, -14).await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let came = format!("/signups/{}/attendance", signup_ids[0]);
    let response = coordinator
        .post(
            &came,
            &[
                ("attended", "yes"),
                ("checked_in", "09:05"),
                ("checked_out", "09:00"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("结束时间必须晚于开始时间")
    );
    assert_eq!(
        coordinator
            .post(
                &came,
                &[
                    ("attended", "yes"),
                    ("checked_in", "09:05"),
                    ("checked_out", "10:05")
                ]
            )
            .await
            .status(),
        303
    );
    assert_eq!(
        coordinator
            .post(
                &format!("/signups/{}/attendance", signup_ids[1]),
                &[("attended", "no")]
            )
            .await
            .status(),
        303
    );

    let stall = event::stalls::find_shift(&app.db, shift_id)
        .await
        .unwrap()
        .stall_id;
    let (_, blocks) = records::attendance(&app.db, &staff, stall).await.unwrap();
    let first = &blocks[0].lines[0];
    assert_eq!(first.served, Some(10), "09:05–10:05: one hour");
    assert_eq!(
        first.record.as_ref().unwrap().attendance.as_deref(),
        Some("attended")
    );
    let second = &blocks[0].lines[1];
    assert_eq!(
        second.record.as_ref().unwrap().attendance.as_deref(),
        Some("no_show")
    );
    let page = coordinator
        .get_text(&format!("/stalls/{stall}/attendance"))
        .await;
    assert!(page.contains("未到岗") && page.contains("实际 1.0 小时"));
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "路人", "13700000000")
        .await;
    assert_eq!(
        volunteer.post(&came, &[("attended", "no")]).await.status(),
        403
    );
}
