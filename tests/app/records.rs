//! Check-in and check-out, hours with their corrections, and residents served.

use chrono::{Duration, Utc};
use event::records::{self, BeneficiaryInput, Scan};
use event::signups;
use event::{EventError, EventStatus};
use member::PlatformRole;

use crate::helpers::{TestApp, location};
use crate::markets::market_with_shift;

pub(crate) fn reason<T: std::fmt::Debug>(result: Result<T, EventError>) -> &'static str {
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
        helps: false,
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
                ("1.3", ""),
                &crate::helpers::publicity(),
                start - Duration::minutes(5)
            )
            .await
        ),
        "error-shift-not-started"
    );
    assert_eq!(
        reason(
            records::enter_hours(
                &app.db,
                &staff,
                record,
                ("1.55", ""),
                &crate::helpers::publicity(),
                out
            )
            .await
        ),
        "error-hours-one-decimal"
    );
    assert_eq!(
        reason(
            records::enter_hours(
                &app.db,
                &staff,
                record,
                ("2", ""),
                &crate::helpers::publicity(),
                out
            )
            .await
        ),
        "error-hours-over-shift"
    );
    records::enter_hours(
        &app.db,
        &staff,
        record,
        ("1.3", ""),
        &crate::helpers::publicity(),
        out,
    )
    .await
    .unwrap();
    assert_eq!(
        reason(
            records::enter_hours(
                &app.db,
                &staff,
                record,
                ("1.5", ""),
                &crate::helpers::publicity(),
                out
            )
            .await
        ),
        "error-correction-reason"
    );
    records::enter_hours(
        &app.db,
        &staff,
        record,
        ("1.5", "签到晚扫了十分钟"),
        &crate::helpers::publicity(),
        out,
    )
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
        records::enter_hours(
            &app.db,
            &volunteer,
            record,
            ("1.5", "x"),
            &crate::helpers::publicity(),
            out
        )
        .await,
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
            (&records::format_hours(served), ""),
            &crate::helpers::publicity(),
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
                (&records::format_hours(served - 1), "签退晚扫了"),
                &crate::helpers::publicity(),
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
