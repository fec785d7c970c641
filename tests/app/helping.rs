//! Issue 19: signing up someone one helps (who later takes their account over with their
//! own phone, by an SMS code: see `code_login`), and staff signing up a walk-in at the desk.

use chrono::{Duration, Utc};
use event::entities::{shift, signup};
use event::signups::SignupStatus;
use member::PlatformRole;
use member::entities::{account, helped_person, person};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::code_login::{ask_for_code, code_sent_to, log_in_with};
use crate::helpers::{TestApp, location};
use crate::markets::market_with_shift_of;
use crate::notice_delivery::fake_aliyun;

/// The helped person's row.
async fn helped_named(app: &TestApp, name: &str) -> person::Model {
    person::Entity::find()
        .filter(person::Column::Name.eq(name))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the person is registered")
}

#[tokio::test]
async fn a_neighbour_signs_up_a_woman_without_a_smartphone_who_later_takes_over() {
    let provider = fake_aliyun().await;
    let app = TestApp::new().await;
    let (market_id, shift_id) = market_with_shift_of(&app, 2, "南湖爱心理发队").await;
    let helper = app
        .signed_in(PlatformRole::Volunteer, "王小红", "13900002001")
        .await;
    let helper_id = helped_helper_id(&app, "13900002001").await;
    // The market day offers signing up someone else only to those who help someone.
    let offers_helped = async || {
        helper
            .get_text(&format!("/markets/{market_id}"))
            .await
            .contains("为我帮助的人报名")
    };
    assert!(!offers_helped().await, "helps nobody yet");

    // Forgetting to ask her: refused, with what was typed kept.
    let form = [
        ("name", "张奶奶"),
        ("birth_year", "1948"),
        ("phone", "13800002222"),
        ("note", "电话里问过，她同意"),
    ];
    let refused = helper.post("/me/helped", &form).await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("请先征得本人同意"), "{page}");
    assert!(
        page.contains("value=\"张奶奶\"") && page.contains("value=\"1948\""),
        "{page}"
    );
    let bad_year = helper
        .post(
            "/me/helped",
            &[("name", "张奶奶"), ("birth_year", "48"), ("agreed", "yes")],
        )
        .await;
    assert_eq!(bad_year.status(), 422);

    let mut agreed = form.to_vec();
    agreed.push(("agreed", "yes"));
    let done = helper.post("/me/helped", &agreed).await;
    assert_eq!(done.status(), 303);
    let grandma = helped_named(&app, "张奶奶").await;
    let row = helped_person::Entity::find_by_id(grandma.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.helper_id, row.birth_year, row.consent_note.as_str()),
        (helper_id, Some(1948), "电话里问过，她同意")
    );
    let export: serde_json::Value = helper.get("/me/export.json").await.json().await.unwrap();
    assert_eq!(export["people_i_help"][0]["name"], "张奶奶");
    assert_eq!(export["people_i_help"][0]["phone"], "138****2222");
    let registered = app.audit_entries("helped.register").await;
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].actor_id, Some(helper_id));

    assert!(offers_helped().await, "the day offers signing her up");
    // The shift's page offers her by name; one tap signs her up, recorded as the helper's act.
    let offer = helper.get_text(&format!("/shifts/{shift_id}/signup")).await;
    assert!(offer.contains("为 张奶奶 报名"), "{offer}");
    let placed = helper
        .post(
            &format!("/shifts/{shift_id}/signup-for"),
            &[("person_id", &grandma.id.to_string())],
        )
        .await;
    assert_eq!(placed.status(), 303);
    assert_eq!(location(&placed), format!("/shifts/{shift_id}/signup"));
    let theirs = signup::Entity::find()
        .filter(signup::Column::PersonId.eq(grandma.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (theirs.status, theirs.added_by),
        (SignupStatus::Confirmed, Some(helper_id))
    );
    let after = helper.get_text(&format!("/shifts/{shift_id}/signup")).await;
    assert!(
        after.contains("报名成功") || after.contains("已确认"),
        "{after}"
    );
    let mine = helper.get_text("/me/shifts").await;
    assert!(
        mine.contains("张奶奶") && mine.contains("取消 张奶奶 的报名"),
        "{mine}"
    );
    // She has no inbox she reads: her helper hears what she is told, naming her.
    let told = helper.get_text("/me/notifications").await;
    assert!(told.contains("（为张奶奶）报名成功"), "{told}");

    // Nobody else acts for her, nor learns she exists.
    let other = app
        .signed_in(PlatformRole::Volunteer, "赵先生", "13900002002")
        .await;
    let stranger = other
        .post(
            &format!("/shifts/{shift_id}/signup-for"),
            &[("person_id", &grandma.id.to_string())],
        )
        .await;
    assert_eq!(stranger.status(), 404);
    assert!(!other.get_text("/me/helped").await.contains("张奶奶"));

    // She takes her account over with her own phone, and sees her shift.
    let hers = app.browser();
    assert_eq!(ask_for_code(&hers, "13800002222").await.status(), 200);
    let code = code_sent_to(&app, &provider, "13800002222")
        .await
        .expect("a code");
    let claimed = log_in_with(&hers, "13800002222", &code).await;
    assert_eq!(claimed.status(), 303);
    assert!(hers.get_text("/me/shifts").await.contains("义务理发"));
    let account = account::Entity::find()
        .filter(account::Column::PersonId.eq(grandma.id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("her own account");
    assert_eq!(account.role, PlatformRole::Volunteer);
    assert_eq!(app.audit_entries("account.claim").await.len(), 1);

    // From now on she manages it herself: the helper sees that, and acts for her no more.
    let list = helper.get_text("/me/helped").await;
    assert!(list.contains("本人已用自己的手机登录"), "{list}");
    assert!(!offers_helped().await, "she signs herself up now");
    let cancel = helper
        .post(
            &format!("/shifts/{shift_id}/cancel-for"),
            &[("person_id", &grandma.id.to_string())],
        )
        .await;
    assert_eq!(cancel.status(), 404);
    let still = signup::Entity::find_by_id(theirs.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(still.status, SignupStatus::Confirmed);
}

async fn helped_helper_id(app: &TestApp, phone: &str) -> Uuid {
    person::Entity::find()
        .filter(person::Column::Phone.eq(phone))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn a_helper_cancels_for_the_person_they_help_and_the_place_goes_to_the_next() {
    let app = TestApp::new().await;
    let (_, shift_id) = market_with_shift_of(&app, 1, "南湖爱心理发队").await;
    let helper = app
        .signed_in(PlatformRole::Volunteer, "王小红", "13900002001")
        .await;
    let done = helper
        .post(
            "/me/helped",
            &[
                ("name", "刘爷爷"),
                ("birth_year", "1940"),
                ("agreed", "yes"),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    let grandpa = helped_named(&app, "刘爷爷").await;
    assert_eq!(grandpa.phone, None);
    let person_id = grandpa.id.to_string();
    let signup_for = format!("/shifts/{shift_id}/signup-for");
    assert_eq!(
        helper
            .post(&signup_for, &[("person_id", &person_id)])
            .await
            .status(),
        303
    );
    // The helper themselves waits behind him.
    assert_eq!(
        helper
            .post(&format!("/shifts/{shift_id}/signup"), &[])
            .await
            .status(),
        303
    );
    let cancelled = helper
        .post(
            &format!("/shifts/{shift_id}/cancel-for"),
            &[("person_id", &person_id)],
        )
        .await;
    assert_eq!(cancelled.status(), 303);
    let rows = signup::Entity::find()
        .filter(signup::Column::ShiftId.eq(shift_id))
        .all(&app.db)
        .await
        .unwrap();
    let status_of = |id: Uuid| rows.iter().find(|s| s.person_id == id).unwrap().status;
    assert_eq!(status_of(grandpa.id), SignupStatus::Cancelled);
    let helper_id = helped_helper_id(&app, "13900002001").await;
    assert_eq!(status_of(helper_id), SignupStatus::Confirmed);
    let cancel_audit = app.audit_entries("signup.cancel").await;
    assert_eq!(
        (cancel_audit[0].actor_id, cancel_audit[0].subject_id),
        (Some(helper_id), Some(grandpa.id))
    );
}

#[tokio::test]
async fn staff_at_the_desk_find_a_walk_in_by_the_last_four_digits_and_sign_him_up_in_one_tap() {
    let app = TestApp::new().await;
    let (market_id, shift_id) = market_with_shift_of(&app, 3, "南湖爱心理发队").await;
    app.add_account(PlatformRole::Volunteer, "王小明", "13800003333")
        .await;
    app.add_account(PlatformRole::Volunteer, "王大明", "13800004444")
        .await;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "17000002003")
        .await;
    // The day has begun: the shift started half an hour ago, sign-ups are closed to
    // volunteers, but the desk still takes walk-ins.
    let starts = shift::Entity::find_by_id(shift_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .starts_at;
    app.move_day_by(market_id, Utc::now() - Duration::minutes(30) - starts)
        .await;

    let market = coordinator.get_text(&format!("/markets/{market_id}")).await;
    assert!(
        market.contains(&format!("/shifts/{shift_id}/desk")),
        "{market}"
    );
    let by_tail = coordinator
        .get_text(&format!("/shifts/{shift_id}/desk?q=3333"))
        .await;
    assert!(by_tail.contains("给 王小明 报名"), "{by_tail}");
    assert!(by_tail.contains("138****3333") && !by_tail.contains("13800003333"));
    assert!(!by_tail.contains("王大明"));
    let by_name = coordinator
        .get_text(&format!("/shifts/{shift_id}/desk?q=%E6%98%8E"))
        .await;
    assert!(
        by_name.contains("王小明") && by_name.contains("王大明"),
        "{by_name}"
    );
    let nobody = coordinator
        .get_text(&format!("/shifts/{shift_id}/desk?q=%25"))
        .await;
    assert!(
        nobody.contains("没找到"),
        "a % is a character, not a wildcard: {nobody}"
    );

    let walk_in = helped_helper_id(&app, "13800003333").await;
    let tapped = coordinator
        .post(
            &format!("/shifts/{shift_id}/desk"),
            &[("person_id", &walk_in.to_string())],
        )
        .await;
    assert_eq!(tapped.status(), 303);
    assert_eq!(location(&tapped), format!("/shifts/{shift_id}/desk"));
    let placed = signup::Entity::find()
        .filter(signup::Column::PersonId.eq(walk_in))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let coordinator_id = helped_helper_id(&app, "17000002003").await;
    assert_eq!(
        (placed.status, placed.added_by),
        (SignupStatus::Confirmed, Some(coordinator_id))
    );
    let ready = coordinator
        .get_text(&format!("/shifts/{shift_id}/desk"))
        .await;
    assert!(ready.contains("已报名。可以接着找下一位"), "{ready}");
    // Twice is refused with the reason.
    let twice = coordinator
        .post(
            &format!("/shifts/{shift_id}/desk"),
            &[("person_id", &walk_in.to_string())],
        )
        .await;
    assert_eq!(twice.status(), 422);

    // Volunteers have no desk.
    let volunteer = app.browser();
    volunteer
        .login("13800004444", crate::helpers::PASSWORD)
        .await;
    assert_eq!(
        volunteer
            .get(&format!("/shifts/{shift_id}/desk?q=3333"))
            .await
            .status(),
        403
    );
    // After the shift, the desk is closed too.
    app.move_day_by(market_id, -Duration::hours(3)).await;
    let late = coordinator
        .post(
            &format!("/shifts/{shift_id}/desk"),
            &[(
                "person_id",
                &helped_helper_id(&app, "13800004444").await.to_string(),
            )],
        )
        .await;
    assert_eq!(late.status(), 422);
}

#[tokio::test]
async fn the_api_does_what_the_pages_do_code_login_helping_and_the_desk() {
    let provider = fake_aliyun().await;
    let app = TestApp::new().await;
    let (_, shift_id) = market_with_shift_of(&app, 2, "南湖爱心理发队").await;
    app.add_account(PlatformRole::Volunteer, "王小红", "13900002001")
        .await;
    app.add_account(PlatformRole::Coordinator, "周协调", "17000002003")
        .await;
    let api = |path: &str| app.url(&format!("/api/v1{path}"));

    // Code log-in: 202 for any phone, a token for the right code.
    let asked = app
        .client
        .post(api("/auth/code"))
        .json(&serde_json::json!({ "phone": "13900002001" }))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), 202);
    let unknown = app
        .client
        .post(api("/auth/code"))
        .json(&serde_json::json!({ "phone": "13900002999" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 202);
    let code = code_sent_to(&app, &provider, "13900002001").await.unwrap();
    let wrong = app
        .client
        .post(api("/auth/code/token"))
        .json(&serde_json::json!({ "phone": "13900002001", "code": "12345" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let token: serde_json::Value = app
        .client
        .post(api("/auth/code/token"))
        .json(&serde_json::json!({ "phone": "13900002001", "code": code }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(token["me"]["name"], "王小红");
    let helper = token["token"].as_str().unwrap().to_owned();

    // Helping: register, list, sign up, cancel.
    let refused = app
        .client
        .post(api("/me/helped"))
        .bearer_auth(&helper)
        .json(&serde_json::json!({ "name": "张奶奶", "birth_year": "1948", "agreed": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body.to_string().contains("agreed"), "{body}");
    let created = app
        .client
        .post(api("/me/helped"))
        .bearer_auth(&helper)
        .json(&serde_json::json!({ "name": "张奶奶", "birth_year": "1948", "agreed": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let grandma: serde_json::Value = created.json().await.unwrap();
    assert_eq!(
        (grandma["birth_year"].as_i64(), grandma["phone"].is_null()),
        (Some(1948), true)
    );
    let listed: serde_json::Value = app
        .client
        .get(api("/me/helped"))
        .bearer_auth(&helper)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let person_id = grandma["person_id"].as_str().unwrap().to_owned();
    let placed = app
        .client
        .post(api(&format!("/shifts/{shift_id}/signup-for")))
        .bearer_auth(&helper)
        .json(&serde_json::json!({ "person_id": person_id }))
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), 201);
    let standing: serde_json::Value = placed.json().await.unwrap();
    assert_eq!(standing["status"], "confirmed");
    let cancelled = app
        .client
        .delete(api(&format!("/shifts/{shift_id}/signup-for/{person_id}")))
        .bearer_auth(&helper)
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 204);

    // The desk: staff only.
    let forbidden = app
        .client
        .get(api(&format!("/shifts/{shift_id}/desk?q=2001")))
        .bearer_auth(&helper)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    let staff = app.api_token("17000002003", crate::helpers::PASSWORD).await;
    let found: serde_json::Value = app
        .client
        .get(api(&format!("/shifts/{shift_id}/desk?q=2001")))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found[0]["name"], "王小红");
    assert_eq!(found[0]["phone"], "139****2001");
    let desk = app
        .client
        .post(api(&format!("/shifts/{shift_id}/desk")))
        .bearer_auth(&staff)
        .json(&serde_json::json!({ "person_id": found[0]["person_id"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(desk.status(), 201);
    let rows = signup::Entity::find()
        .filter(signup::Column::ShiftId.eq(shift_id))
        .filter(signup::Column::Status.eq(SignupStatus::Confirmed))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn a_helper_adds_a_phone_later_and_may_delete_the_data_of_someone_they_help() {
    let app = TestApp::new().await;
    let (_, shift_id) = market_with_shift_of(&app, 1, "南湖爱心理发队").await;
    let helper = app
        .signed_in(PlatformRole::Volunteer, "王小红", "13900002001")
        .await;
    for name in ["刘爷爷", "王奶奶"] {
        let done = helper
            .post(
                "/me/helped",
                &[("name", name), ("birth_year", "1940"), ("agreed", "yes")],
            )
            .await;
        assert_eq!(done.status(), 303);
    }
    let grandpa = helped_named(&app, "刘爷爷").await;
    let grandma = helped_named(&app, "王奶奶").await;

    // He got a phone: the helper adds it (a mistyped one is refused and kept).
    let edit = format!("/me/helped/{}/edit", grandpa.id);
    let page = helper.get_text(&edit).await;
    assert!(
        page.contains(r#"value="刘爷爷""#) && page.contains(r#"value="1940""#),
        "{page}"
    );
    let fields =
        |phone: &'static str| [("name", "刘爷爷"), ("birth_year", "1940"), ("phone", phone)];
    let refused = helper.post(&edit, &fields("138000")).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains(r#"value="138000""#));
    assert_eq!(
        helper.post(&edit, &fields("13800005555")).await.status(),
        303
    );
    let corrected = helped_named(&app, "刘爷爷").await;
    assert_eq!(corrected.phone.as_deref(), Some("13800005555"));
    assert_eq!(app.audit_entries("helped.update").await.len(), 1);

    // Her family asks that her data go: asked first, then erased, her place given up.
    let person_id = grandma.id.to_string();
    let placed = helper
        .post(
            &format!("/shifts/{shift_id}/signup-for"),
            &[("person_id", &person_id)],
        )
        .await;
    assert_eq!(placed.status(), 303);
    let delete = format!("/me/helped/{}/delete", grandma.id);
    let ask = helper.get_text(&delete).await;
    assert!(ask.contains("确认删除 王奶奶 的信息"), "{ask}");
    assert_eq!(helper.post(&delete, &[]).await.status(), 303);
    let erased = person::Entity::find_by_id(grandma.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((erased.name.as_str(), erased.phone), ("", None));
    assert!(erased.erased_at.is_some());
    let place = signup::Entity::find()
        .filter(signup::Column::PersonId.eq(grandma.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(place.status, SignupStatus::Cancelled);
    assert!(!helper.get_text("/me/helped").await.contains("王奶奶"));
    assert_eq!(app.audit_entries("helped.erase").await.len(), 1);
    assert_eq!(helper.post(&delete, &[]).await.status(), 404);

    // Nobody else corrects or deletes him.
    app.add_account(PlatformRole::Volunteer, "赵先生", "13900002002")
        .await;
    let other = app.api_token("13900002002", crate::helpers::PASSWORD).await;
    let foreign = app
        .client
        .put(app.url(&format!("/api/v1/me/helped/{}", grandpa.id)))
        .bearer_auth(&other)
        .json(&serde_json::json!({ "name": "改名", "birth_year": "1940" }))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
    let foreign = app
        .client
        .delete(app.url(&format!("/api/v1/me/helped/{}", grandpa.id)))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 404);
    assert_eq!(
        helped_named(&app, "刘爷爷").await.phone.as_deref(),
        Some("13800005555")
    );
}
