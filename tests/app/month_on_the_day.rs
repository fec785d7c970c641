//! The month on the day: coming back to finish a sign-up, checking in and out, attendance refusals, skills, the audit log in Chinese, classifying a small matter.

use chrono::{Duration, Utc};
use event::signups;
use event::stalls::{self};
use member::PlatformRole;
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, location, volunteer};
use crate::markets::market_with_shift;

#[tokio::test]
async fn a_visitor_who_taps_sign_up_comes_back_to_finish_it_after_login_or_registration() {
    let app = TestApp::new().await;
    let (market, shift) = market_with_shift(&app, 2).await;
    let signup = format!("/shifts/{shift}/signup");
    let market_page = app.browser().get_text(&format!("/markets/{market}")).await;
    assert!(market_page.contains(&format!(r#"href="{signup}""#)));

    // Registering: the page carries where she was going, and goes there afterwards.
    let visitor = app.browser();
    let response = visitor.get(&signup).await;
    assert_eq!(response.status(), 303);
    let login = location(&response);
    assert!(login.starts_with("/login?next="));
    let login_page = visitor.get_text(&login).await;
    let register_link = format!(r#"href="/register?next={}""#, signup.replace('/', "%2F"));
    assert!(login_page.contains(&register_link), "{login_page}");
    let register_page = visitor.get_text(&format!("/register?next={signup}")).await;
    assert!(register_page.contains(&format!(r#"name="next" value="{signup}""#)));
    let response = visitor
        .post(
            "/register",
            &[
                ("name", "林小梅"),
                ("phone", "13911112222"),
                ("birth_date", "1956-03-08"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("consent", "yes"),
                ("next", &signup),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let login = location(&response);
    assert!(
        login.starts_with("/login?phone=13911112222&next="),
        "{login}"
    );
    assert!(
        visitor
            .get_text(&login)
            .await
            .contains(&format!(r#"name="next" value="{signup}""#))
    );
    let response = visitor
        .post(
            "/login",
            &[
                ("phone", "13911112222"),
                ("password", PASSWORD),
                ("next", &signup),
            ],
        )
        .await;
    assert_eq!(location(&response), signup);
    let confirm = visitor.get_text(&signup).await;
    assert!(confirm.contains("确认报名") && confirm.contains("义务理发"));
    let response = visitor.post(&signup, &[]).await;
    assert_eq!(response.status(), 303);
    assert!(
        visitor
            .get_text(&location(&response))
            .await
            .contains("已报名")
    );

    // Logging in: back to the same page; staff without a `next` land on the dashboard.
    app.add_account(PlatformRole::Volunteer, "张大爷", "13911113333")
        .await;
    let returning = app.browser();
    let response = returning
        .post(
            "/login",
            &[
                ("phone", "13911113333"),
                ("password", PASSWORD),
                ("next", &signup),
            ],
        )
        .await;
    assert_eq!(location(&response), signup);
    app.add_account(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let coordinator = app.browser();
    assert_eq!(
        location(&coordinator.login("13600000001", PASSWORD).await),
        "/dashboard"
    );
    // A `next` that would leave the site goes to the default page instead.
    for next in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
    ] {
        let response = app
            .browser()
            .post(
                "/login",
                &[
                    ("phone", "13911113333"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "{next:?}");
        assert_eq!(location(&response), "/me", "{next:?}");
    }
}

#[tokio::test]
async fn check_in_and_out_are_two_plain_steps_and_leaving_early_asks_first() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let now = Utc::now();
    let market = app
        .add_market(
            "今天的集市",
            now - Duration::minutes(10),
            now + Duration::hours(2),
            event::EventStatus::Published,
        )
        .await;
    let org = app
        .add_org("南湖爱心理发队", "elderly", "南湖社区", "")
        .await;
    let stall = stalls::add_stall(&app.db, &staff, market.id, &org.to_string(), "haircut", "")
        .await
        .unwrap();
    let shift = event::entities::shift::ActiveModel {
        id: Set(Uuid::now_v7()),
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
    signups::sign_up(&app.db, &volunteer(id), shift.id, now - Duration::days(2))
        .await
        .unwrap();
    let token = event::records::checkin_token(&app.db, &staff, shift.id)
        .await
        .unwrap();
    let phone = app.browser();
    phone.login("13912345678", PASSWORD).await;
    let path = format!("/checkin/{token}");
    let page = phone.get_text(&path).await;
    assert!(page.contains(r#"name="step" value="in""#) && !page.contains("已签到"));
    // Checking out before checking in is refused with the reason.
    let response = phone
        .post(&path, &[("step", "out"), ("early", "yes")])
        .await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("您还没有签到"));
    assert_eq!(phone.post(&path, &[("step", "in")]).await.status(), 303);
    let shifts = phone.get_text("/me/shifts").await;
    assert!(shifts.contains("已签到"));
    let page = phone.get_text(&path).await;
    assert!(page.contains("已签到") && page.contains(r#"name="step" value="out""#));
    // A second 签到 is refused; an early 签退 asks first and changes nothing.
    assert_eq!(phone.post(&path, &[("step", "in")]).await.status(), 422);
    let response = phone.post(&path, &[("step", "out")]).await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("现在就签退吗"));
    let (_, blocks) = event::records::attendance(&app.db, &staff, stall.id)
        .await
        .unwrap();
    assert!(
        blocks[0].lines[0]
            .record
            .as_ref()
            .unwrap()
            .checked_out_at
            .is_none()
    );
    assert_eq!(
        phone
            .post(&path, &[("step", "out"), ("early", "yes")])
            .await
            .status(),
        303
    );
    assert!(phone.get_text("/me/shifts").await.contains("已签退"));
}

#[tokio::test]
async fn attendance_refusals_stand_beside_their_fields_and_keep_what_was_typed() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, shift) = market_with_shift(&app, 2).await;
    let id = app
        .add_account(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    signups::sign_up(&app.db, &volunteer(id), shift, Utc::now())
        .await
        .unwrap();
    // The day takes place: attendance is marked once a shift has begun.
    app.move_day(market, -14).await;
    let stall = stalls::find_shift(&app.db, shift).await.unwrap().stall_id;
    let (_, blocks) = event::records::attendance(&app.db, &staff, stall)
        .await
        .unwrap();
    let signup = blocks[0].lines[0].signup.id;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let response = coordinator
        .post(
            &format!("/signups/{signup}/attendance"),
            &[
                ("attended", "yes"),
                ("checked_in", "10:00"),
                ("checked_out", "09:30"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&format!(
            r#"id="out-{signup}-error">结束时间必须晚于开始时间"#
        )),
        "the reason stands by 签退"
    );
    assert!(page.contains(r#"value="10:00""#) && page.contains(r#"value="09:30""#));

    let response = coordinator
        .post(
            &format!("/stalls/{stall}/beneficiaries"),
            &[("total", "10"), ("elderly", "8"), ("children", "5")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"value="10""#) && page.contains(r#"value="8""#));
}

#[tokio::test]
async fn a_shift_asking_for_a_skill_warns_a_volunteer_who_has_not_listed_it() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, shift) = market_with_shift(&app, 2).await;
    let stall = stalls::find_shift(&app.db, shift).await.unwrap().stall_id;
    stalls::edit_shift(&app.db, &staff, shift, "09:00", "10:30", "理发")
        .await
        .unwrap();
    let _ = stall;
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "李阿姨", "13912345678")
        .await;
    let page = volunteer.get_text(&format!("/markets/{market}")).await;
    assert!(page.contains("需要的技能不在您的资料里"));
    assert!(
        volunteer
            .get_text(&format!("/shifts/{shift}/signup"))
            .await
            .contains("需要的技能不在您的资料里")
    );
}

#[tokio::test]
async fn the_audit_log_speaks_chinese_and_names_someone_acting_on_themselves_once() {
    let app = TestApp::new().await;
    let (_, shift) = market_with_shift(&app, 1).await;
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "张丽华", "13912345678")
        .await;
    assert_eq!(
        volunteer
            .post(&format!("/shifts/{shift}/signup"), &[])
            .await
            .status(),
        303
    );
    app.add_account(PlatformRole::Volunteer, "候补者", "13912345679")
        .await;
    let waiting = app.browser();
    waiting.login("13912345679", PASSWORD).await;
    waiting.post(&format!("/shifts/{shift}/signup"), &[]).await;
    let admin = app
        .signed_in(PlatformRole::Admin, "王主任", "13800138000")
        .await;
    let log = admin.get_text("/admin/audit?action=signup.create").await;
    assert!(log.contains("已确认") && log.contains("候补"));
    for english in ["(confirmed)", "(waitlisted)", "张丽华 → 张丽华"] {
        assert!(!log.contains(english), "{english} in the audit log");
    }
}

#[tokio::test]
async fn a_small_matter_is_classified_without_the_big_matters_fields() {
    let app = TestApp::new().await;
    let org = app
        .add_org("南湖环保队", "environment", "南湖社区", "")
        .await;
    let created = triage::requests::submit_public(
        &app.db,
        &triage::Policy::default(),
        &triage::requests::RequestInput {
            category: "environment".into(),
            description: "垃圾桶满了两天没人清运".into(),
            community: "南湖社区".into(),
            place: "7栋东侧".into(),
            ..Default::default()
        },
        "127.0.0.1",
        Utc::now(),
    )
    .await;
    let request = match created {
        Ok(found) => found,
        Err(e) => panic!("{e:?}"),
    };
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let page = coordinator
        .get_text(&format!("/requests/{}", request.id))
        .await;
    let department = page.find(r#"name="department""#).unwrap();
    let tag_end = department + page[department..].find('>').unwrap();
    assert!(
        !page[department..tag_end].contains("required"),
        "the department is not demanded of every class"
    );
    let response = coordinator
        .post(
            &format!("/requests/{}/classify", request.id),
            &[
                ("class", "small"),
                ("reason", "社区能办"),
                ("organization_id", &org.to_string()),
                ("department", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
}
