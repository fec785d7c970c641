//! Through the API alone: the coordinators' scheduler and editing a day, a leader placing a member and marking attendance by hand; and every handling step of a resident's request.

use chrono::{Duration, Utc};
use event::schedule;
use member::PlatformRole;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp};

use crate::api_month::{ApiCast, call, day, refusal};

/// A resident's request, submitted and triaged as a small matter for `org`: its id.
async fn small_matter(app: &TestApp, coordinator: Option<&str>, org: Uuid) -> String {
    let submitted = json!({"category": "facilities", "description": "小区路灯坏了好几盏",
                           "community": "南湖社区", "may_contact": false});
    let (status, body) = call(app, Method::POST, "/requests", None, Some(submitted)).await;
    assert_eq!(status, 201, "{body}");
    let (_, list) = call(app, Method::GET, "/requests?class=none", coordinator, None).await;
    let id = list["requests"][0]["id"].as_str().unwrap().to_owned();
    let triage = json!({"class": "small", "reason": "停车劝导队可以协调", "organization_id": org});
    let classify = format!("/requests/{id}/classify");
    let (status, body) = call(app, Method::POST, &classify, coordinator, Some(triage)).await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("triaged")),
        "{body}"
    );
    id
}

#[tokio::test]
async fn every_handling_step_of_a_request_is_in_the_api_as_on_the_page() {
    let app = TestApp::new().await;
    let crate::requests::Cast { org, .. } = crate::requests::cast(&app).await;
    app.add_account(PlatformRole::Volunteer, "路人", "13911110009")
        .await;
    let coordinator = app.api_token("13600000001", PASSWORD).await;
    let leader = app.api_token("13911110001", PASSWORD).await;
    let stranger = app.api_token("13911110009", PASSWORD).await;
    let (coordinator, leader, stranger) = (
        Some(coordinator.as_str()),
        Some(leader.as_str()),
        Some(stranger.as_str()),
    );

    // Accepted by the organization's leader only; then the steps open to them are the
    // ones the answer says.
    let id = small_matter(&app, coordinator, org).await;
    let step = |name: &str| format!("/requests/{id}/{name}");
    assert_eq!(
        call(&app, Method::POST, &step("accept"), stranger, None)
            .await
            .0,
        403
    );
    let (status, body) = call(&app, Method::POST, &step("accept"), leader, None).await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("in_progress")),
        "{body}"
    );
    assert_eq!(body["next_steps"]["resolve"], true);
    assert_eq!(body["next_steps"]["classify"], false);

    let (status, body) = call(
        &app,
        Method::POST,
        &step("notes"),
        leader,
        Some(json!({"note": " "})),
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (422, "note"));
    let noted = json!({"note": "已联系物业"});
    assert_eq!(
        call(&app, Method::POST, &step("notes"), leader, Some(noted))
            .await
            .0,
        200
    );
    let done = json!({"note": "组织志愿者更换了灯泡"});
    let (status, body) = call(&app, Method::POST, &step("resolve"), leader, Some(done)).await;
    assert_eq!(
        (status, &body["status"], &body["resolution"]),
        (200, &json!("resolved"), &json!("组织志愿者更换了灯泡"))
    );

    // Staff publish the public summary and close it.
    let summary = json!({"summary": "路灯已修复"});
    assert_eq!(
        call(
            &app,
            Method::PUT,
            &step("summary"),
            leader,
            Some(summary.clone())
        )
        .await
        .0,
        403
    );
    let (status, body) = call(
        &app,
        Method::PUT,
        &step("summary"),
        coordinator,
        Some(summary),
    )
    .await;
    assert_eq!(
        (status, &body["public_summary"]),
        (200, &json!("路灯已修复"))
    );
    assert_eq!(
        call(&app, Method::POST, &step("close"), leader, None)
            .await
            .0,
        403
    );
    let (status, body) = call(&app, Method::POST, &step("close"), coordinator, None).await;
    assert_eq!((status, &body["status"]), (200, &json!("closed")));

    // Another is handed back with a reason: the coordinators have it again.
    let other = small_matter(&app, coordinator, org).await;
    let hand_back = format!("/requests/{other}/hand-back");
    let (status, body) = call(
        &app,
        Method::POST,
        &hand_back,
        leader,
        Some(json!({"reason": ""})),
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (422, "reason"));
    let reason = json!({"reason": "不属于本队服务范围"});
    let (status, body) = call(&app, Method::POST, &hand_back, leader, Some(reason)).await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("received")),
        "{body}"
    );
    let found = triage::requests::find(&app.db, other.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        (found.organization_id, found.status),
        (None, triage::Status::Received)
    );
}

#[tokio::test]
async fn coordinators_schedule_and_edit_days_and_leaders_place_members_through_the_api() {
    let app = TestApp::new().await;
    let cast = ApiCast::new(&app).await;
    let (coordinator, leader, volunteer, org) = cast.tokens();

    // The monthly scheduler: previewed first (nothing written), then carried out, then
    // every date is taken.
    let plan = |preview: bool, weekday: &str| {
        json!({"title": "南湖社区公益集市", "place": "南湖社区广场", "starts": "09:00",
               "ends": "11:30", "nth": 2, "weekday": weekday, "months": 3, "preview": preview})
    };
    let schedule = "/markets/schedule";
    assert_eq!(
        call(
            &app,
            Method::POST,
            schedule,
            volunteer,
            Some(plan(true, "sat"))
        )
        .await
        .0,
        403
    );
    let (status, body) = call(
        &app,
        Method::POST,
        schedule,
        coordinator,
        Some(plan(true, "caturday")),
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (422, "weekday"));
    let (status, preview) = call(
        &app,
        Method::POST,
        schedule,
        coordinator,
        Some(plan(true, "sat")),
    )
    .await;
    assert_eq!(
        (status, &preview["created"]),
        (200, &json!(false)),
        "{preview}"
    );
    let to_create = preview["to_create"].as_u64().unwrap();
    assert!(to_create >= 2, "{preview}");
    let drafts = "/markets/all?status=draft";
    assert_eq!(
        call(&app, Method::GET, drafts, coordinator, None).await.1["total"],
        0
    );
    let (status, done) = call(
        &app,
        Method::POST,
        schedule,
        coordinator,
        Some(plan(false, "sat")),
    )
    .await;
    assert_eq!(
        (status, &done["created"], &done["to_create"]),
        (200, &json!(true), &json!(to_create))
    );
    let (status, listed) = call(&app, Method::GET, drafts, coordinator, None).await;
    assert_eq!((status, listed["total"].as_u64()), (200, Some(to_create)));
    assert_eq!(
        call(&app, Method::GET, drafts, volunteer, None).await.0,
        403
    );
    let (status, body) = call(
        &app,
        Method::GET,
        "/markets/all?month=2026-13",
        coordinator,
        None,
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (422, "month"));
    let (_, again) = call(
        &app,
        Method::POST,
        schedule,
        coordinator,
        Some(plan(true, "sat")),
    )
    .await;
    assert_eq!(again["to_create"], 0);

    // A day edited: moved a week on, its title changed; the day's page follows.
    let day_id = listed["days"][0]["id"].as_str().unwrap().to_owned();
    let found = schedule::find(&app.db, day_id.parse().unwrap())
        .await
        .unwrap();
    let moved_to = found
        .starts_at
        .with_timezone(&schedule::shanghai())
        .date_naive()
        + Duration::days(7);
    let edit = json!({"title": "南湖社区公益集市（改期）", "place": "南湖社区活动室",
                      "date": moved_to.to_string(), "starts": "09:00", "ends": "11:30"});
    let path = format!("/markets/{day_id}");
    assert_eq!(
        call(&app, Method::PUT, &path, leader, Some(edit.clone()))
            .await
            .0,
        403
    );
    let (status, body) = call(&app, Method::PUT, &path, coordinator, Some(edit)).await;
    assert_eq!((status, &body["clashes"]), (200, &json!([])), "{body}");
    let (status, shown) = call(&app, Method::GET, &path, coordinator, None).await;
    assert_eq!((status, &shown["place"]), (200, &json!("南湖社区活动室")));

    // A leader's own activity; the list by organization shows it and the days it has a
    // stall at.
    let activity = json!({"title": "周末治安巡逻", "place": "南湖社区", "date": day(3),
                          "starts": "19:00", "ends": "21:00"});
    let activities = format!("/organizations/{org}/activities");
    assert_eq!(
        call(
            &app,
            Method::POST,
            &activities,
            volunteer,
            Some(activity.clone())
        )
        .await
        .0,
        403
    );
    let (status, body) = call(&app, Method::POST, &activities, leader, Some(activity)).await;
    assert_eq!(status, 201, "{body}");
    let activity_id = body["id"].clone();
    let by_org = format!("/markets/all?organization_id={org}");
    let (status, body) = call(&app, Method::GET, &by_org, coordinator, None).await;
    assert_eq!(
        (status, &body["total"], &body["days"][0]["id"]),
        (200, &json!(1), &activity_id)
    );
    assert_eq!(body["days"][0]["kind"], "activity");

    // The leader's member is placed on a shift of their stall by phone.
    let stall_body = json!({"organization_id": org.to_string(), "service": "haircut"});
    let (_, stall) = call(
        &app,
        Method::POST,
        &format!("{path}/stalls"),
        leader,
        Some(stall_body),
    )
    .await;
    let stall = stall["id"].as_str().unwrap().to_owned();
    let (_, body) = call(&app, Method::GET, &by_org, coordinator, None).await;
    assert_eq!(body["total"], 2, "the day with its stall too");
    let shift_body = json!({"starts": "09:00", "ends": "11:30", "capacity": 1});
    let (_, shift) = call(
        &app,
        Method::POST,
        &format!("/stalls/{stall}/shifts"),
        leader,
        Some(shift_body),
    )
    .await;
    let shift = shift["id"].as_str().unwrap().to_owned();
    // While the day is ahead, the stall and the shift can be changed.
    let stall_path = format!("/stalls/{stall}");
    let clinic = json!({"service": "clinic"});
    assert_eq!(
        call(
            &app,
            Method::PUT,
            &stall_path,
            volunteer,
            Some(clinic.clone())
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(&app, Method::PUT, &stall_path, leader, Some(clinic))
            .await
            .0,
        204
    );
    let shift_path = format!("/shifts/{shift}");
    let later = json!({"starts": "09:30", "ends": "11:30"});
    let (status, body) = call(&app, Method::PUT, &shift_path, leader, Some(later)).await;
    assert_eq!((status, &body["clashes"]), (200, &json!([])), "{body}");
    let outside = json!({"starts": "08:00", "ends": "11:30"});
    let (status, _) = call(&app, Method::PUT, &shift_path, leader, Some(outside)).await;
    assert_eq!(status, 422, "outside the day's hours");
    let capacity = format!("{shift_path}/capacity");
    let (status, body) = call(
        &app,
        Method::PUT,
        &capacity,
        leader,
        Some(json!({"capacity": 0})),
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (422, "capacity"));
    let (status, body) = call(
        &app,
        Method::PUT,
        &capacity,
        leader,
        Some(json!({"capacity": 3})),
    )
    .await;
    assert_eq!((status, &body["capacity"]), (200, &json!(3)));
    let stalls = event::stalls::stalls_of(&app.db, day_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(stalls[0].stall.service, event::stalls::Service::Clinic);
    assert_eq!(
        call(
            &app,
            Method::POST,
            &format!("{path}/publish"),
            coordinator,
            None
        )
        .await
        .0,
        204
    );
    // Sign-up closes the evening before, or when the coordinator says.
    let cutoff = format!("{path}/cutoff");
    let evening = json!({"closes_at": format!("{}T20:00", moved_to - Duration::days(1))});
    assert_eq!(
        call(&app, Method::PUT, &cutoff, volunteer, Some(evening.clone()))
            .await
            .0,
        403
    );
    let (status, body) = call(
        &app,
        Method::PUT,
        &cutoff,
        coordinator,
        Some(json!({"closes_at": "明天"})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        call(&app, Method::PUT, &cutoff, coordinator, Some(evening))
            .await
            .0,
        204
    );
    let found = schedule::find(&app.db, day_id.parse().unwrap())
        .await
        .unwrap();
    assert!(
        found
            .signup_closes_at
            .is_some_and(|at| at < found.starts_at)
    );

    let assign = format!("/shifts/{shift}/assign");
    let phone = json!({"phone": "13911110002"});
    let (status, body) = call(&app, Method::POST, &assign, leader, Some(phone.clone())).await;
    assert_eq!(
        (status, refusal(&body).as_str()),
        (422, "phone"),
        "not a member yet"
    );
    assert_eq!(
        call(&app, Method::POST, &assign, volunteer, Some(phone.clone()))
            .await
            .0,
        403
    );
    let invite = json!({"phone": "13911110002"});
    let (status, body) = call(
        &app,
        Method::POST,
        &format!("/organizations/{org}/members"),
        leader,
        Some(invite),
    )
    .await;
    assert!(status < 300, "{status} {body}");
    app.accept_invitations("13911110002").await;
    let (status, body) = call(&app, Method::POST, &assign, leader, Some(phone)).await;
    assert_eq!(
        (status, &body["status"]),
        (200, &json!("confirmed")),
        "{body}"
    );

    // On the day (the shift, half an hour into it, began ten minutes ago), the leader marks
    // them absent by hand.
    let found = schedule::find(&app.db, day_id.parse().unwrap())
        .await
        .unwrap();
    app.move_day_by(
        found.id,
        (Utc::now() - Duration::minutes(40)) - found.starts_at,
    )
    .await;
    let (_, attendance) = call(
        &app,
        Method::GET,
        &format!("/stalls/{stall}/attendance"),
        leader,
        None,
    )
    .await;
    let signup = attendance["shifts"][0]["volunteers"][0]["signup_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mark = format!("/signups/{signup}/attendance");
    let absent = json!({"attended": false});
    assert_eq!(
        call(&app, Method::POST, &mark, volunteer, Some(absent.clone()))
            .await
            .0,
        403
    );
    let (status, body) = call(
        &app,
        Method::POST,
        &mark,
        leader,
        Some(json!({"attended": true, "checked_in": "9点"})),
    )
    .await;
    assert_eq!((status, refusal(&body).as_str()), (422, "checked_in"));
    let (status, body) = call(&app, Method::POST, &mark, leader, Some(absent)).await;
    assert_eq!(
        (status, &body["attendance"]),
        (200, &json!("no_show")),
        "{body}"
    );
}
