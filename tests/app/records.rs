//! Check-in and check-out, hours with their corrections, and residents served.

use chrono::{Duration, Utc};
use event::records::{self, BeneficiaryInput, Scan};
use event::signups;
use event::{EventError, EventStatus};
use member::PlatformRole;

use crate::helpers::{TestApp, location};
use crate::markets::market_with_shift;

fn reason<T: std::fmt::Debug>(result: Result<T, EventError>) -> &'static str {
    match result {
        Err(EventError::Invalid(errors)) => errors[0].reason,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_volunteer_scans_in_and_out_and_the_leader_confirms_and_corrects_hours() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, shift_id) = market_with_shift(&app, 2).await;
    let volunteer_id = app
        .add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let volunteer = member::Actor {
        person_id: volunteer_id,
        account_id: uuid::Uuid::now_v7(),
        name: "李阿姨".into(),
        role: PlatformRole::Volunteer,
        leads: Vec::new(),
    };
    let outsider = member::Actor {
        person_id: app
            .add_account(PlatformRole::Volunteer, "路人", "13700000000")
            .await,
        ..volunteer.clone()
    };
    signups::sign_up(&app.db, &volunteer, shift_id, Utc::now())
        .await
        .unwrap();

    let token = records::checkin_token(&app.db, &staff, shift_id)
        .await
        .unwrap();
    assert_eq!(
        records::checkin_token(&app.db, &staff, shift_id)
            .await
            .unwrap(),
        token,
        "one code per shift"
    );
    let shift = event::stalls::find_shift(&app.db, shift_id).await.unwrap();
    let start = shift.starts_at;

    assert_eq!(
        reason(records::scan(&app.db, &outsider, &token, start).await),
        "error-not-confirmed"
    );
    assert_eq!(
        reason(records::scan(&app.db, &volunteer, &token, start - Duration::hours(2)).await),
        "error-checkin-window"
    );
    assert_eq!(
        records::scan(&app.db, &volunteer, &token, start - Duration::minutes(10))
            .await
            .unwrap(),
        Scan::CheckedIn(start - Duration::minutes(10))
    );
    let out = start + Duration::minutes(80);
    assert_eq!(
        records::scan(&app.db, &volunteer, &token, out)
            .await
            .unwrap(),
        Scan::CheckedOut(out)
    );
    assert_eq!(
        reason(records::scan(&app.db, &volunteer, &token, out).await),
        "error-already-checked-out"
    );

    let stall = shift.stall_id;
    let (_, blocks) = records::attendance(&app.db, &staff, stall).await.unwrap();
    let line = &blocks[0].lines[0];
    assert_eq!(
        line.served,
        Some(13),
        "80 minutes within the shift: 1.3 hours"
    );
    let record = line.record.as_ref().unwrap().id;

    // Not before the shift has begun, though check-in opens half an hour earlier.
    assert_eq!(
        reason(
            records::enter_hours(
                &app.db,
                &staff,
                record,
                "1.3",
                "",
                start - Duration::minutes(5)
            )
            .await
        ),
        "error-shift-not-started"
    );
    assert_eq!(
        reason(records::enter_hours(&app.db, &staff, record, "1.55", "", out).await),
        "error-hours-one-decimal"
    );
    assert_eq!(
        reason(records::enter_hours(&app.db, &staff, record, "2", "", out).await),
        "error-hours-over-shift"
    );
    records::enter_hours(&app.db, &staff, record, "1.3", "", out)
        .await
        .unwrap();
    assert_eq!(
        reason(records::enter_hours(&app.db, &staff, record, "1.5", "", out).await),
        "error-correction-reason"
    );
    records::enter_hours(&app.db, &staff, record, "1.5", "签到晚扫了十分钟", out)
        .await
        .unwrap();
    let (_, blocks) = records::attendance(&app.db, &staff, stall).await.unwrap();
    let hours: Vec<i32> = blocks[0].lines[0].hours.iter().map(|h| h.tenths).collect();
    assert_eq!(hours, [15, 13], "the current value first, the history kept");

    assert_eq!(
        records::confirmed_hours_of(&app.db, volunteer_id)
            .await
            .unwrap(),
        (1, 15)
    );

    // Someone who is not a leader of the stall cannot touch the record.
    assert!(matches!(
        records::enter_hours(&app.db, &volunteer, record, "1.5", "x", out).await,
        Err(EventError::Forbidden)
    ));

    // Residents served: the breakdown must add up; then the day is reported.
    let bad = BeneficiaryInput {
        total: "40".into(),
        elderly: "30".into(),
        children: "5".into(),
        ..Default::default()
    };
    assert_eq!(
        reason(records::report_beneficiaries(&app.db, &staff, stall, &bad).await),
        "error-breakdown-sum"
    );
    let negative = BeneficiaryInput {
        total: "-1".into(),
        ..Default::default()
    };
    assert_eq!(
        reason(records::report_beneficiaries(&app.db, &staff, stall, &negative).await),
        "error-count-not-negative"
    );
    let good = BeneficiaryInput {
        total: "40".into(),
        elderly: "35".into(),
        children: "5".into(),
        ..Default::default()
    };
    records::report_beneficiaries(&app.db, &staff, stall, &good)
        .await
        .unwrap();
    assert_eq!(
        event::schedule::find(&app.db, market).await.unwrap().status,
        EventStatus::Reported
    );
    let correction = BeneficiaryInput {
        total: "42".into(),
        ..Default::default()
    };
    assert_eq!(
        reason(records::report_beneficiaries(&app.db, &staff, stall, &correction).await),
        "error-correction-reason"
    );
    let correction = BeneficiaryInput {
        reason: "漏记两位".into(),
        ..correction
    };
    records::report_beneficiaries(&app.db, &staff, stall, &correction)
        .await
        .unwrap();
    let history = records::beneficiary_history(&app.db, stall).await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.total).collect::<Vec<_>>(),
        [42, 40]
    );
}

#[tokio::test]
async fn the_qr_page_and_the_check_in_page_work_by_http() {
    let app = TestApp::new().await;
    let (_, shift_id) = market_with_shift(&app, 2).await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let page = coordinator
        .get_text(&format!("/shifts/{shift_id}/qr"))
        .await;
    assert!(page.contains("<svg") && page.contains("/checkin/"));
    let at = page.find("/checkin/").unwrap();
    let path: String = page[at..]
        .chars()
        .take_while(|c| *c != '<' && *c != '"')
        .collect();

    // Anonymous: to the login page first.
    let response = app.browser().get(&path).await;
    assert!(location(&response).starts_with("/login?next="));
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    assert!(volunteer.get_text(&path).await.contains("签到 / 签退"));
    let response = volunteer.post(&path, &[]).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("您没有已确认的这个时段的报名")
    );
    volunteer
        .post(&format!("/shifts/{shift_id}/signup"), &[])
        .await;
    let response = volunteer.post(&path, &[]).await;
    assert_eq!(response.status(), 422, "a week early");
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("现在不在签到时间内")
    );

    // Only the stall's leaders and staff see the code and the attendance page.
    assert_eq!(
        volunteer
            .get(&format!("/shifts/{shift_id}/qr"))
            .await
            .status(),
        403
    );
    let stall = event::stalls::find_shift(&app.db, shift_id)
        .await
        .unwrap()
        .stall_id;
    assert_eq!(
        volunteer
            .get(&format!("/stalls/{stall}/attendance"))
            .await
            .status(),
        403
    );
    let attendance = coordinator
        .get_text(&format!("/stalls/{stall}/attendance"))
        .await;
    assert!(attendance.contains("李阿姨"));
}

#[tokio::test]
async fn dashboard_totals_are_the_sums_of_their_parts() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, shift_a) = market_with_shift(&app, 5).await;
    let org_b = app.add_org("南湖义诊队", "elderly", "南湖社区", "").await;
    let stall_b =
        event::stalls::add_stall(&app.db, &staff, market, &org_b.to_string(), "clinic", "")
            .await
            .unwrap();
    let shift_b = event::stalls::add_shift(
        &app.db,
        &staff,
        stall_b.id,
        &event::stalls::ShiftInput {
            starts: "10:30".into(),
            ends: "11:30".into(),
            capacity: "5".into(),
            required_skill: String::new(),
        },
    )
    .await
    .unwrap()
    .id;
    let mut expected_tenths = 0i64;
    for (n, shift_id) in [shift_a, shift_a, shift_a, shift_b, shift_b]
        .into_iter()
        .enumerate()
    {
        let id = app
            .add_account(
                PlatformRole::Volunteer,
                &format!("志愿者{n}"),
                &format!("1370000{n:04}"),
            )
            .await;
        let actor = member::Actor {
            person_id: id,
            account_id: uuid::Uuid::now_v7(),
            name: String::new(),
            role: PlatformRole::Volunteer,
            leads: Vec::new(),
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
            shift.starts_at + Duration::minutes(30 + 6 * n as i64),
        )
        .await
        .unwrap();
        let (_, blocks) = records::attendance(&app.db, &staff, shift.stall_id)
            .await
            .unwrap();
        let line = blocks
            .iter()
            .flat_map(|b| &b.lines)
            .find(|l| l.signup.person_id == id)
            .unwrap();
        let served = line.served.unwrap();
        records::enter_hours(
            &app.db,
            &staff,
            line.record.as_ref().unwrap().id,
            &records::format_hours(served),
            "",
            shift.ends_at,
        )
        .await
        .unwrap();
        // One value is corrected: only the newest counts, and the service once.
        let served = if n == 0 {
            records::enter_hours(
                &app.db,
                &staff,
                line.record.as_ref().unwrap().id,
                &records::format_hours(served - 1),
                "签退晚扫了",
                shift.ends_at,
            )
            .await
            .unwrap();
            served - 1
        } else {
            served
        };
        expected_tenths += i64::from(served);
    }
    let stall_a = event::stalls::find_shift(&app.db, shift_a)
        .await
        .unwrap()
        .stall_id;
    for (stall, total) in [(stall_a, "40"), (stall_b.id, "25")] {
        records::report_beneficiaries(
            &app.db,
            &staff,
            stall,
            &BeneficiaryInput {
                total: total.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }

    let later = Utc::now() + Duration::days(30);
    let stats = event::stats::stats(&app.db, None, None, None, later)
        .await
        .unwrap();
    assert_eq!((stats.all.market_days, stats.all.activities), (1, 0));
    assert_eq!(stats.all.services, 5);
    assert_eq!(stats.all.volunteers, 5);
    assert_eq!(stats.all.hours_tenths, expected_tenths);
    assert_eq!(stats.all.residents, 65);
    for groups in [
        stats.by_organization.values().collect::<Vec<_>>(),
        stats.by_service.values().collect(),
        stats.by_month.values().collect(),
    ] {
        assert_eq!(groups.iter().map(|f| f.services).sum::<u64>(), 5);
        assert_eq!(
            groups.iter().map(|f| f.hours_tenths).sum::<i64>(),
            expected_tenths
        );
        assert_eq!(groups.iter().map(|f| f.residents).sum::<i64>(), 65);
    }
    // Before the day has begun nothing is counted as held.
    assert_eq!(
        event::stats::stats(&app.db, None, None, None, Utc::now())
            .await
            .unwrap()
            .all
            .services,
        0
    );
}

#[tokio::test]
async fn the_dashboard_answers_for_every_period() {
    let app = TestApp::new().await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    for query in [
        "",
        "?period=year",
        "?period=all",
        "?from=2026-01-01&until=2026-12-31",
        "?from=nonsense",
    ] {
        let page = coordinator.get_text(&format!("/dashboard{query}")).await;
        assert!(
            page.contains("数据看板") && page.contains("服务居民人次"),
            "{query}"
        );
    }
    // Reports take turns (one per core): a crowd of them at once all get their answer.
    let mut crowd = tokio::task::JoinSet::new();
    for i in 0..12 {
        let (client, dashboard) = (coordinator.client.clone(), i % 2 == 0);
        let url = coordinator.url(if dashboard {
            "/dashboard?period=all"
        } else {
            "/reports/monthly.csv"
        });
        crowd.spawn(async move {
            let response = client.get(url).send().await.unwrap();
            (dashboard, response.status(), response.text().await.unwrap())
        });
    }
    for (dashboard, status, body) in crowd.join_all().await {
        assert_eq!(status, 200);
        assert!(body.contains(if dashboard {
            "服务居民人次"
        } else {
            "汇总"
        }));
    }
}

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
        "1.0",
        "",
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
