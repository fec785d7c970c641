//! 公示: confirmed hours are posted for three working days before they stand; an objection
//! holds a record back until staff resolve it; certificates, the dashboard's "已生效" and
//! the national-practice export take only hours that stand.

use chrono::{Duration, Utc};
use event::entities::{hour_entry, objection};
use event::records;
use event::signups;
use member::PlatformRole;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{Browser, TestApp, location, volunteer};
use crate::markets::market_with_shift_of;

/// A day four days ago; 李秀英 came, her record waits for hours: (market, her id, record).
async fn a_day_without_hours(app: &TestApp, phone: &str, org: &str) -> (Uuid, Uuid, Uuid) {
    let staff = app.staff_actor();
    let (market, shift) = market_with_shift_of(app, 3, org).await;
    let person = app
        .add_account(PlatformRole::Volunteer, "李秀英", phone)
        .await;
    signups::sign_up(&app.db, &volunteer(person), shift, Utc::now())
        .await
        .unwrap();
    app.move_day(market, -11).await;
    let found = event::stalls::find_shift(&app.db, shift).await.unwrap();
    let token = records::checkin_token(&app.db, &staff, shift)
        .await
        .unwrap();
    for at in [found.starts_at, found.ends_at] {
        records::scan(&app.db, &volunteer(person), &token, at)
            .await
            .unwrap();
    }
    let (_, blocks) = records::attendance(&app.db, &staff, found.stall_id)
        .await
        .unwrap();
    let record = blocks[0].lines[0].record.clone().unwrap();
    (market, person, record.id)
}

async fn figures(staff: &Browser) -> Value {
    let from = (Utc::now() - Duration::days(30)).date_naive();
    let until = Utc::now().date_naive();
    let response = staff
        .get(&format!("/api/v1/figures?from={from}&until={until}"))
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["all"].clone()
}

/// POST /me/certificates for the last month: the page's words.
async fn ask_for_certificate(holder: &Browser) -> String {
    let from = (Utc::now() - Duration::days(30)).date_naive().to_string();
    let until = Utc::now()
        .with_timezone(&event::schedule::shanghai())
        .date_naive()
        .to_string();
    let response = holder
        .post("/me/certificates", &[("from", &from), ("until", &until)])
        .await;
    if response.status() == 303 {
        let to = location(&response);
        return holder.get_text(&to).await;
    }
    response.text().await.unwrap()
}

#[tokio::test]
async fn hours_are_posted_then_stand_and_an_objection_holds_them_back_until_resolved() {
    let app = TestApp::new().await;
    let (_, person, record) = a_day_without_hours(&app, "13912345678", "南湖爱心理发队").await;
    let staff = app
        .signed_in(PlatformRole::Coordinator, "王主任", "13800000001")
        .await;
    let confirmed = staff
        .post(
            &format!("/records/{record}/hours"),
            &[("hours", "1.5"), ("reason", "")],
        )
        .await;
    assert_eq!(
        confirmed.status(),
        303,
        "{}",
        confirmed.text().await.unwrap()
    );
    let entry = hour_entry::Entity::find()
        .filter(hour_entry::Column::RecordId.eq(record))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        entry.stands_at,
        crate::helpers::publicity().stands_at(entry.entered_at),
        "posted for three working days from the day of confirmation"
    );
    assert!(entry.stands_at > Utc::now() + Duration::days(2));

    // Posted publicly, the name masked; the volunteer sees it is not on a certificate yet.
    let public = app.browser().get_text("/publicity").await;
    assert!(public.contains("李*") && public.contains("1.5"), "{public}");
    assert!(!public.contains("李秀英") && public.contains("公示至"));
    let holder = app.browser();
    holder.login("13912345678", crate::helpers::PASSWORD).await;
    let mine = holder.get_text("/me/shifts").await;
    assert!(mine.contains("其中 1.5 小时正在公示"), "{mine}");
    assert!(
        ask_for_certificate(&holder)
            .await
            .contains("这个时段内没有")
    );
    let all = figures(&staff).await;
    assert_eq!(
        (all["hours"].as_str(), all["hours_standing"].as_str()),
        (Some("1.5"), Some("0.0"))
    );

    // A resident objects: without a reason the form comes back with what was typed.
    let resident = app.browser();
    let path = format!("/publicity/records/{record}/objection");
    assert!(resident.get_text(&path).await.contains("李*"));
    let refused = resident
        .post(&path, &[("reason", " "), ("contact", "13700001111")])
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("13700001111") && page.contains("必须填写"),
        "{page}"
    );
    let raised = resident
        .post(
            &path,
            &[("reason", "她那天下午才到"), ("contact", "13700001111")],
        )
        .await;
    assert_eq!(
        (raised.status().as_u16(), location(&raised)),
        (303, "/publicity".to_owned())
    );
    assert!(
        resident
            .get_text("/publicity")
            .await
            .contains("有异议，处理中")
    );

    // The posting ends, but the open objection holds the hours back.
    app.end_postings().await;
    assert_eq!(
        figures(&staff).await["hours_standing"].as_str(),
        Some("0.0")
    );
    assert!(
        ask_for_certificate(&holder)
            .await
            .contains("这个时段内没有")
    );
    assert!(app.browser().get_text("/publicity").await.contains("李*"));

    // Only staff see and resolve objections; the whole name and the contact are theirs.
    assert_eq!(holder.get("/publicity/objections").await.status(), 403);
    let board = staff.get_text("/publicity/objections").await;
    assert!(
        board.contains("李秀英") && board.contains("13700001111") && board.contains("待处理 1 条")
    );
    let found = objection::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let resolve = format!("/publicity/objections/{}", found.id);
    let unexplained = staff
        .post(
            &resolve,
            &[("outcome", "correct"), ("hours", "1.0"), ("reason", "")],
        )
        .await;
    assert_eq!(unexplained.status(), 422);
    assert!(unexplained.text().await.unwrap().contains("value=\"1.0\""));
    let corrected = staff
        .post(
            &resolve,
            &[
                ("outcome", "correct"),
                ("hours", "1.0"),
                ("reason", "核对签到，按实际到场时间更正"),
            ],
        )
        .await;
    assert_eq!(corrected.status(), 303);
    let again = staff
        .post(
            &resolve,
            &[("outcome", "dismiss"), ("reason", "再处理一次")],
        )
        .await;
    assert_eq!(again.status(), 422, "an objection is resolved once");

    // Resolved: the corrected hours stand at once (their posting was already over), and
    // the record leaves the public page.
    let entries = hour_entry::Entity::find()
        .filter(hour_entry::Column::RecordId.eq(record))
        .order_by_desc(hour_entry::Column::EnteredAt)
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0].tenths, entries[0].stands_at),
        (10, entries[1].stands_at)
    );
    let resolved = objection::Entity::find_by_id(found.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resolved.status, "corrected");
    let all = figures(&staff).await;
    assert_eq!(
        (all["hours"].as_str(), all["hours_standing"].as_str()),
        (Some("1.0"), Some("1.0"))
    );
    assert!(!app.browser().get_text("/publicity").await.contains("李*"));
    let certificate = ask_for_certificate(&holder).await;
    assert!(
        certificate.contains("1.0") && certificate.contains("WYF-V000001"),
        "{certificate}"
    );
    assert!(!holder.get_text("/me/shifts").await.contains("正在公示"));
    // Her number is on her record and in her data.
    let record_page = holder.get_text(&format!("/people/{person}/record")).await;
    assert!(
        record_page.contains("志愿者编号：WYF-V000001"),
        "{record_page}"
    );
    let mine: Value = holder.get("/me/export.json").await.json().await.unwrap();
    assert_eq!(mine["person"]["volunteer_number"], "WYF-V000001");
    // Nobody objects once a record stands: the public page says why.
    let late = resident.post(&path, &[("reason", "还是不对")]).await;
    assert_eq!(
        (late.status().as_u16(), location(&late)),
        (303, "/publicity".to_owned())
    );
    assert!(
        resident
            .get_text("/publicity")
            .await
            .contains("已不在公示期内")
    );
    assert_eq!(app.audit_entries("publicity.object").await.len(), 1);
    let logged = app.audit_entries("publicity.resolve").await;
    assert_eq!((logged.len(), logged[0].subject_id), (1, Some(person)));
}

#[tokio::test]
async fn the_export_holds_the_records_that_stand_and_a_dismissal_releases_one() {
    let app = TestApp::new().await;
    let (_, _, first) = a_day_without_hours(&app, "13912345678", "南湖爱心理发队").await;
    let staff = app
        .signed_in(PlatformRole::Coordinator, "王主任", "13800000001")
        .await;
    let path = format!("/records/{first}/hours");
    assert_eq!(staff.post(&path, &[("hours", "1.5")]).await.status(), 303);
    app.end_postings().await;
    // A second day, its hours confirmed now: still posted.
    let (_, _, second) = a_day_without_hours(&app, "13912345679", "南湖义诊队").await;
    let path = format!("/records/{second}/hours");
    assert_eq!(staff.post(&path, &[("hours", "1.0")]).await.status(), 303);

    let from = (Utc::now() - Duration::days(30)).date_naive();
    let until = Utc::now().date_naive();
    let query = format!("from={from}&until={until}");
    let rows = |text: String| -> Vec<Vec<String>> {
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(header, report::OFFICIAL_COLUMNS.map(str::to_owned).to_vec());
        reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect()
    };
    let exported = rows(
        staff
            .get_text(&format!("/reports/service-records.csv?{query}"))
            .await,
    );
    assert_eq!(exported.len(), 1, "only hours that stand: {exported:?}");
    let row = &exported[0];
    assert_eq!(row[0], "WYF-V000001");
    assert_eq!(
        (row[1].as_str(), row[2].as_str()),
        ("李秀英", "13912345678")
    );
    assert_eq!((row[10].as_str(), row[11].as_str()), ("1.5", "已完成"));
    assert_eq!(
        (row[12].as_str(), row[13].as_str()),
        ("南湖爱心理发队", "王主任")
    );
    assert_eq!(row[15], first.to_string());

    // The workbook holds the same rows, hours as numbers.
    let response = staff
        .get(&format!("/reports/service-records.xlsx?{query}"))
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("志愿服务记录").unwrap();
    assert_eq!(sheet.height(), 2);
    assert_eq!(sheet.get((1, 10)), Some(&Data::Float(1.5)));

    // An objection to the second is dismissed: once its posting ends it is exported too.
    let resident = app.browser();
    let raised = resident
        .post(
            &format!("/publicity/records/{second}/objection"),
            &[("reason", "时长好像多了")],
        )
        .await;
    assert_eq!(raised.status(), 303);
    app.end_postings().await;
    assert_eq!(
        rows(
            staff
                .get_text(&format!("/reports/service-records.csv?{query}"))
                .await
        )
        .len(),
        1,
        "held back by the open objection"
    );
    let found = objection::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let dismissed = staff
        .post(
            &format!("/publicity/objections/{}", found.id),
            &[("outcome", "dismiss"), ("reason", "核对签到记录，时长无误")],
        )
        .await;
    assert_eq!(dismissed.status(), 303);
    let exported = rows(
        staff
            .get_text(&format!("/reports/service-records.csv?{query}"))
            .await,
    );
    assert_eq!(exported.len(), 2);
    let total: f64 = exported.iter().map(|r| r[10].parse::<f64>().unwrap()).sum();
    let all = figures(&staff).await;
    assert_eq!(
        format!("{total:.1}"),
        all["hours_standing"].as_str().unwrap()
    );
    assert!(
        exported
            .iter()
            .any(|r| r[0] == "WYF-V000002" && r[2] == "13912345679")
    );

    // Volunteers do not export; the export is logged.
    let volunteer = app.browser();
    volunteer
        .login("13912345678", crate::helpers::PASSWORD)
        .await;
    assert_eq!(
        volunteer
            .get(&format!("/reports/service-records.csv?{query}"))
            .await
            .status(),
        403
    );
    assert_eq!(app.audit_entries("service.records_export").await.len(), 4);
}

#[tokio::test]
async fn objections_over_the_api_and_their_limit_per_address() {
    let app = TestApp::new().await;
    let (_, _, record) = a_day_without_hours(&app, "13912345678", "南湖爱心理发队").await;
    app.add_account(PlatformRole::Coordinator, "王主任", "13800000001")
        .await;
    let token = app.api_token("13800000001", crate::helpers::PASSWORD).await;
    let client = &app.client;
    let confirmed = client
        .put(app.url(&format!("/api/v1/records/{record}/hours")))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "hours": 1.5 }))
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), 200);
    let body: Value = confirmed.json().await.unwrap();
    assert!(body["stands_at"].as_str().is_some());

    let posted: Value = client
        .get(app.url("/api/v1/publicity"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(posted["days"], 3);
    assert_eq!(posted["events"][0]["lines"][0]["name"], "李**");
    assert_eq!(posted["events"][0]["lines"][0]["hours"], "1.5");

    let object = |reason: &'static str| {
        client
            .post(app.url(&format!("/api/v1/publicity/records/{record}/objections")))
            .json(&serde_json::json!({ "reason": reason }))
            .send()
    };
    let first = object("她没来").await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["status"], "open");
    for _ in 1..event::publicity::OBJECTIONS_PER_ADDRESS_PER_HOUR {
        assert_eq!(object("再提一次").await.unwrap().status(), 201);
    }
    let refused = object("第六次").await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("一小时后再试"));
    assert_eq!(object("").await.unwrap().status(), 422);

    let listed: Value = client
        .get(app.url("/api/v1/objections"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 5);
    assert_eq!(listed[0]["name"], "李秀英");
    let id = first["id"].as_str().unwrap();
    let resolve = |body: Value| {
        client
            .post(app.url(&format!("/api/v1/objections/{id}/resolution")))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    assert_eq!(
        resolve(serde_json::json!({ "outcome": "maybe", "reason": "x" }))
            .await
            .unwrap()
            .status(),
        422
    );
    let dismissed = resolve(serde_json::json!({ "outcome": "dismiss", "reason": "核实无误" }))
        .await
        .unwrap();
    assert_eq!(dismissed.status(), 200);
    assert_eq!(
        dismissed.json::<Value>().await.unwrap()["status"],
        "dismissed"
    );
    // Four more are open: the record is still held back.
    let still: Value = client
        .get(app.url("/api/v1/publicity"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(still["events"][0]["lines"][0]["objected"], true);
    // A volunteer may not list objections.
    let volunteer = app
        .signed_in(PlatformRole::Volunteer, "路人", "13700000000")
        .await;
    assert_eq!(volunteer.get("/api/v1/objections").await.status(), 403);
}

#[tokio::test]
async fn someone_who_objected_and_leaves_is_no_longer_named_on_the_objection() {
    let app = TestApp::new().await;
    let (_, _, record) = a_day_without_hours(&app, "13912345678", "南湖爱心理发队").await;
    let staff = app
        .signed_in(PlatformRole::Coordinator, "王主任", "13800000001")
        .await;
    let path = format!("/records/{record}/hours");
    assert_eq!(staff.post(&path, &[("hours", "1.5")]).await.status(), 303);
    let neighbour = app
        .signed_in(PlatformRole::Volunteer, "赵邻居", "13700002222")
        .await;
    let raised = neighbour
        .post(
            &format!("/publicity/records/{record}/objection"),
            &[("reason", "那天她不在"), ("contact", "13700002222")],
        )
        .await;
    assert_eq!(raised.status(), 303);
    let found = objection::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(found.raised_by.is_some() && found.contact == "13700002222");
    let left = neighbour
        .post("/me/delete", &[("password", crate::helpers::PASSWORD)])
        .await;
    assert_eq!(left.status(), 303);
    let kept = objection::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.raised_by, kept.contact.as_str(), kept.reason.as_str()),
        (None, "", "那天她不在"),
        "the objection stays, without who raised it"
    );
}
