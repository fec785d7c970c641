//! What counts in the records that stand: organizations and members as of a period's end, certificates and their corrections, a month sent upward, identity on certificates.

use chrono::{Duration, Utc};
use event::records;
use member::PlatformRole;
use sea_orm::EntityTrait;

use crate::helpers::{TestApp, volunteer};

use crate::counting::a_day_with_hours;

#[tokio::test]
async fn organizations_and_members_are_counted_as_of_the_end_of_the_period() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let input = member::orgs::OrgInput {
        name: "北街理发队".into(),
        theme: "elderly".into(),
        community: "南湖社区".into(),
        contact_name: "王队长".into(),
        contact_phone: "13900000001".into(),
        registration: "filed".into(),
        ..Default::default()
    };
    let org = member::orgs::register(&app.db, &staff, &input, "", date("2025-01-15"))
        .await
        .unwrap();
    let member = member::memberships::add_member(
        &app.db,
        &staff,
        org.id,
        &member::memberships::NewMember {
            name: "李阿姨".into(),
            phone: "13911112222".into(),
            role: "member".into(),
            skills: String::new(),
        },
        date("2025-02-01"),
    )
    .await;
    assert!(member.is_ok());
    member::orgs::transition(
        &app.db,
        &staff,
        org.id,
        "suspended",
        "2025-06-10",
        "暂停活动",
        date("2025-06-10"),
    )
    .await
    .unwrap();

    let census = |day: &str| member::orgs::census(&app.db, date(day), None);
    let before = census("2024-12-31").await.unwrap();
    assert_eq!((before.incubated, before.members), (0, 0), "not there yet");
    let march = census("2025-03-31").await.unwrap();
    assert_eq!((march.incubated, march.members), (1, 1));
    assert_eq!(march.by_stage.get("incubating"), Some(&1));
    let july = census("2025-07-31").await.unwrap();
    assert_eq!(
        (july.incubated, july.members),
        (1, 0),
        "a suspended team's members are not current"
    );
    assert_eq!(july.by_stage.get("suspended"), Some(&1));
    assert_eq!(july.by_stage.get("incubating"), None);

    // The dashboard shows the period's end.
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let figure = |page: &str, n: u64, label: &str| {
        page.contains(&format!(r#"<span class="count">{n}</span> {label}"#))
    };
    let page = coordinator
        .get_text("/dashboard?from=2025-03-01&until=2025-03-31")
        .await;
    assert!(figure(&page, 1, "成员"), "{page}");
    let page = coordinator
        .get_text("/dashboard?from=2025-07-01&until=2025-07-31")
        .await;
    assert!(
        figure(&page, 0, "成员") && figure(&page, 1, "孵化的社会组织"),
        "{page}"
    );
}

#[tokio::test]
async fn a_certificate_shows_what_it_certified_and_says_when_a_correction_replaced_it() {
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, _, [holder, _], [record, _]) = a_day_with_hours(&app).await;
    let street = event::certificates::Issuer {
        name: "南湖街道办事处".into(),
        leader: "周主任".into(),
        clerk: "王经办".into(),
        contact: "0571-88880000".into(),
    };
    let day = event::schedule::find(&app.db, market)
        .await
        .unwrap()
        .starts_at
        .with_timezone(&event::schedule::shanghai())
        .date_naive()
        .to_string();
    let today = weiyifang::views::today();
    let issue = |until: String| {
        let (day, street) = (day.clone(), street.clone());
        let db = app.db.clone();
        async move {
            event::certificates::issue(
                &db,
                &volunteer(holder),
                &day,
                &until,
                &Default::default(),
                &street,
                Utc::now(),
            )
            .await
        }
    };
    // The period cannot end in the future.
    let refused = issue((today + Duration::days(1)).to_string()).await;
    assert!(
        matches!(&refused, Err(event::EventError::Invalid(f)) if f[0].reason == "error-period-in-future"),
        "{refused:?}"
    );
    let first = issue(today.to_string()).await.unwrap();
    assert_eq!((first.services, first.hours_tenths), (1, 15));
    assert_eq!(first.content_hash.len(), 64);
    assert_eq!(
        first.content_hash,
        member::secrets::digest(&first.content),
        "the hash is of what was certified"
    );
    // Asking again with nothing changed gives the same certificate.
    assert_eq!(issue(today.to_string()).await.unwrap().number, first.number);

    let check = |number: String| {
        let browser = app.browser();
        async move {
            let response = browser.get(&format!("/verify/{number}")).await;
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    let page = check(first.number.clone()).await;
    assert!(page.contains("南湖爱心理发队") && page.contains("1.5") && page.contains("志**"));
    assert!(page.contains("南湖街道办事处") && page.contains("0571-88880000"));

    // The hours are corrected: the certificate still says what it certified, and says
    // that the records changed.
    let ends = event::stalls::find_shift(
        &app.db,
        event::entities::service_record::Entity::find_by_id(record)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .shift_id,
    )
    .await
    .unwrap()
    .ends_at;
    records::enter_hours(
        &app.db,
        &staff,
        record,
        ("1.0", "按签到时间更正"),
        &crate::helpers::publicity(),
        ends,
    )
    .await
    .unwrap();
    let page = check(first.number.clone()).await;
    assert!(page.contains("1.5") && page.contains("有更正"), "{page}");
    let holder_browser = app.browser();
    holder_browser
        .login("13911110001", crate::helpers::PASSWORD)
        .await;
    let mine = holder_browser.get_text("/me/certificates").await;
    assert!(mine.contains("按更正后的记录重新开具"), "{mine}");

    // She asks again: a new certificate, and the old one names it.
    let second = issue(today.to_string()).await.unwrap();
    assert_ne!(second.number, first.number);
    assert_eq!(second.hours_tenths, 10);
    let page = check(first.number.clone()).await;
    assert!(
        page.contains(&format!("已被更正：以编号 {} 为准", second.number)) && page.contains("1.5"),
        "{page}"
    );
    let page = check(second.number.clone()).await;
    assert!(page.contains("1.0") && !page.contains("更正"), "{page}");
    assert_eq!(app.audit_entries("certificate.supersede").await.len(), 1);

    // The printed certificate names the issuer's people.
    let printed = holder_browser
        .get_text(&format!("/certificates/{}", second.number))
        .await;
    assert!(
        printed.contains("周主任")
            && printed.contains("王经办")
            && printed.contains("南湖爱心理发队")
    );

    // She deletes her account: the check still stands, the name masked as issued.
    let response = holder_browser
        .post("/me/delete", &[("password", crate::helpers::PASSWORD)])
        .await;
    assert_eq!(response.status(), 303);
    let page = check(second.number.clone()).await;
    assert!(page.contains("真实证明") && page.contains("志**") && page.contains("1.0"));
}

#[tokio::test]
async fn a_month_sent_upward_is_frozen_and_a_correction_makes_a_revision_that_lists_it() {
    use calamine::{Data, Reader, Xlsx};
    let app = TestApp::new().await;
    let staff = app.staff_actor();
    let (market, _, _, [record, _]) = a_day_with_hours(&app).await;
    let found = event::schedule::find(&app.db, market).await.unwrap();
    let month = found
        .starts_at
        .with_timezone(&event::schedule::shanghai())
        .format("%Y-%m")
        .to_string();
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "13600000001")
        .await;
    let form = [("month", month.as_str())];
    let send = || coordinator.post("/reports/monthly/send", &form);
    let response = send().await;
    assert_eq!(response.status(), 303);
    assert_eq!(crate::helpers::location(&response), "/reports/sent");
    let sent = event::entities::sent_report::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].revision, 1);
    assert_eq!(
        sent[0].content_hash,
        member::secrets::digest(&sent[0].content)
    );
    assert!(sent[0].content.contains("志愿服务时长（小时）,3.0"));
    assert_eq!(app.audit_entries("report.send").await.len(), 1);
    // Nothing changed: nothing to send again.
    let again = send().await;
    assert_eq!(again.status(), 422);
    assert!(again.text().await.unwrap().contains("不需要重新报送"));

    // A correction after sending: the month says so, and sending again is revision 2,
    // listing what changed.
    let ends = found.ends_at;
    records::enter_hours(
        &app.db,
        &staff,
        record,
        ("1.0", "按签到时间更正"),
        &crate::helpers::publicity(),
        ends,
    )
    .await
    .unwrap();
    let page = coordinator.get_text("/reports/sent").await;
    assert!(
        page.contains("这个月的数据有更正") && page.contains("报送更正（第 2 版）"),
        "{page}"
    );
    assert_eq!(send().await.status(), 303);
    let revision = event::entities::sent_report::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.revision == 2)
        .unwrap();
    let changes = event::sent_reports::Changes::of(&revision);
    assert!(
        changes
            .removed
            .iter()
            .any(|l| l == "志愿服务时长（小时）,3.0"),
        "{changes:?}"
    );
    assert!(
        changes
            .added
            .iter()
            .any(|l| l == "志愿服务时长（小时）,2.5"),
        "{changes:?}"
    );
    let page = coordinator.get_text("/reports/sent").await;
    assert!(
        page.contains("第 2 版") && page.contains("报送后数据没有变化"),
        "{page}"
    );
    let dashboard = coordinator.get_text("/dashboard?period=all").await;
    assert!(
        dashboard.contains(&format!("{month} · 已报送第 2 版")),
        "{dashboard}"
    );
    // A crowd of dashboards of a sent month all get their answer (each compares the month
    // with what was sent, and reports take turns).
    let mut crowd = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (client, url) = (coordinator.client.clone(), coordinator.url("/dashboard"));
        crowd.spawn(async move { client.get(url).send().await.unwrap().status() });
    }
    let statuses = tokio::time::timeout(std::time::Duration::from_secs(60), crowd.join_all())
        .await
        .expect("no dashboard waits forever");
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    // The first sending's workbook is kept exactly as it went: 3.0 hours.
    let first = sent[0].id;
    let response = coordinator
        .get(&format!("/reports/sent/{first}/workbook"))
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    assert_eq!(bytes, sent[0].workbook);
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let hours = workbook
        .worksheet_range("汇总")
        .unwrap()
        .rows()
        .find(|row| row[0] == "志愿服务时长（小时）")
        .map(|row| row[1].clone())
        .unwrap();
    assert_eq!(hours, Data::Float(3.0));
    // A volunteer sees none of it.
    let volunteer = app.browser();
    volunteer
        .login("13911110001", crate::helpers::PASSWORD)
        .await;
    assert_eq!(volunteer.get("/reports/sent").await.status(), 403);
}

#[tokio::test]
async fn an_identity_document_goes_on_a_certificate_only_masked_and_with_consent() {
    let app = TestApp::new().await;
    let (_, _, [holder, _], _) = a_day_with_hours(&app).await;
    let browser = app.browser();
    browser.login("13911110001", crate::helpers::PASSWORD).await;
    let from = "2020-01-01";
    let until = weiyifang::views::today().to_string();
    let form = |consent: bool| {
        let mut form = vec![
            ("from", from.to_owned()),
            ("until", until.clone()),
            ("id_kind", "resident_id".to_owned()),
            ("id_number", "330102 19560412 1234".to_owned()),
        ];
        if consent {
            form.push(("id_consent", "yes".to_owned()));
        }
        form
    };
    let refused = browser
        .client
        .post(browser.url("/me/certificates"))
        .header("sec-fetch-site", "same-origin")
        .form(&form(false))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("请先勾选同意") && page.contains("330102 19560412 1234"));
    let issued = browser
        .client
        .post(browser.url("/me/certificates"))
        .header("sec-fetch-site", "same-origin")
        .form(&form(true))
        .send()
        .await
        .unwrap();
    assert_eq!(issued.status(), 303);
    let number = crate::helpers::location(&issued).replace("/certificates/", "");
    let stored = event::certificates::of_person(&app.db, holder)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].content.contains("居民身份证 3301**********1234"));
    assert!(
        !stored[0].content.contains("19560412"),
        "the full number is never stored"
    );
    let public = app.browser().get_text(&format!("/verify/{number}")).await;
    assert!(public.contains("3301**********1234") && !public.contains("19560412"));
}
