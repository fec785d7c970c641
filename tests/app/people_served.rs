//! 人数 beside 人次 (issue 20's counting part): a stall records the phone number a resident
//! gives (or the resident with their rating); only a keyed digest is stored, so a resident
//! served at two stalls, or twice at one,
//! is one person in 人数 while every visit counts; dashboard, report and the figures agree;
//! the number itself is nowhere in the database (every table is scanned).

use chrono::{Duration, Utc};
use member::PlatformRole;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp};
use crate::markets::market_with_shift;

/// The tables (and columns) whose text holds `needle`: every table of the schema, every
/// column as text.
async fn tables_holding(app: &TestApp, needle: &str) -> Vec<String> {
    let backend = app.db.get_database_backend();
    let list = match backend {
        DatabaseBackend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    };
    let tables: Vec<String> = app
        .db
        .query_all_raw(Statement::from_string(backend, list))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect();
    assert!(tables.len() > 30, "{tables:?}");
    let mut holding = Vec::new();
    for table in tables {
        // Each column on its own: a uuid stored as a blob may hold a NUL byte, which would end
        // a concatenated text early and hide what follows.
        let holds = match backend {
            DatabaseBackend::Postgres => {
                format!(r#"FROM "{table}" t WHERE t::text LIKE '%{needle}%'"#)
            }
            _ => {
                let columns: Vec<String> = app
                    .db
                    .query_all_raw(Statement::from_string(
                        backend,
                        format!(r#"SELECT name FROM pragma_table_info('{table}')"#),
                    ))
                    .await
                    .unwrap()
                    .iter()
                    .map(|row| {
                        let column: String = row.try_get("", "name").unwrap();
                        format!(
                            r#"(CASE WHEN typeof("{column}") = 'blob' THEN instr(hex("{column}"), hex('{needle}')) ELSE instr(CAST("{column}" AS TEXT), '{needle}') END) > 0"#
                        )
                    })
                    .collect();
                format!(r#"FROM "{table}" WHERE {}"#, columns.join(" OR "))
            }
        };
        let count = app
            .db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT count(*) AS n {holds}"),
            ))
            .await
            .unwrap()
            .unwrap();
        let found = count.try_get::<i64>("", "n").unwrap() > 0;
        if found {
            holding.push(table);
        }
    }
    holding
}

#[tokio::test]
async fn a_resident_served_at_two_stalls_is_one_person_and_her_number_is_nowhere() {
    let app = TestApp::with_settings(|s| s.resident_secret = "test-resident-key".into()).await;
    let (market, shift) = market_with_shift(&app, 3).await;
    let first = event::stalls::find_shift(&app.db, shift)
        .await
        .unwrap()
        .stall_id;
    let org = app.add_org("南湖义诊队", "elderly", "南湖社区", "").await;
    let second = event::stalls::add_stall(
        &app.db,
        &app.staff_actor(),
        market,
        &org.to_string(),
        "clinic",
        "量血压",
    )
    .await
    .unwrap()
    .id;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "17000002003")
        .await;
    let page = coordinator
        .get_text(&format!("/stalls/{first}/tally"))
        .await;
    assert!(page.contains("居民手机号（选填，统计人数用）"), "{page}");

    // She comes to the haircut stall twice (morning and afternoon), typed as people do.
    for typed in ["138 1234 5678", "+86 13812345678"] {
        let recorded = coordinator
            .post(&format!("/stalls/{first}/visits"), &[("phone", typed)])
            .await;
        assert_eq!(recorded.status(), 303);
    }
    // A number mistyped: refused, kept in the field to correct.
    let refused = coordinator
        .post(&format!("/stalls/{first}/visits"), &[("phone", "1381234")])
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains(r#"value="1381234""#));
    // Then the clinic, by the API, with her neighbour.
    let token = app.api_token("17000002003", PASSWORD).await;
    for phone in ["13812345678", "13987654321"] {
        let recorded = app
            .client
            .post(app.url(&format!("/api/v1/stalls/{second}/visits")))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "phone": phone }))
            .send()
            .await
            .unwrap();
        assert_eq!(recorded.status(), 204);
    }

    // The day has been held: the figures count it.
    let starts = event::schedule::find(&app.db, market)
        .await
        .unwrap()
        .starts_at;
    app.move_day_by(market, Utc::now() - Duration::hours(1) - starts)
        .await;
    // She rates the clinic from its QR poster and gives her number there too.
    let resident = app.browser();
    resident.get(&format!("/stalls/{second}/rate")).await;
    let form = |phone: &'static str| [("level", "satisfied"), ("comment", ""), ("phone", phone)];
    let mistyped = resident
        .post(&format!("/stalls/{second}/rate"), &form("138123"))
        .await;
    assert_eq!(
        mistyped.status(),
        422,
        "nothing is written for a mistyped number"
    );
    let rated = resident
        .post(&format!("/stalls/{second}/rate"), &form("13812345678"))
        .await;
    assert_eq!(rated.status(), 303);

    let stats = event::stats::stats(&app.db, None, None, None, Utc::now())
        .await
        .unwrap();
    assert_eq!((stats.all.people, stats.all.identified_visits), (2, 5));
    let at = |stall: Uuid| stats.by_stall.get(&stall).cloned().unwrap_or_default();
    assert_eq!((at(first).people, at(first).identified_visits), (1, 2));
    assert_eq!((at(second).people, at(second).identified_visits), (2, 3));

    let month = (Utc::now() - Duration::hours(1))
        .with_timezone(&event::schedule::shanghai())
        .format("%Y-%m")
        .to_string();
    let dashboard = coordinator
        .get_text(&format!("/dashboard?period={month}"))
        .await;
    assert!(
        dashboard.contains(r#"<span class="count">2</span> 服务居民人数（按手机号去重）"#),
        "{dashboard}"
    );
    assert!(dashboard.contains(r#"<span class="count">5</span> 其中留下手机号的到访人次"#));
    let report = coordinator
        .get_text(&format!("/reports/monthly.csv?month={month}"))
        .await;
    assert!(
        report.contains("服务居民人数（按手机号去重）,2"),
        "{report}"
    );
    assert!(report.contains("其中留下手机号的到访人次,5"), "{report}");

    // Her number is nowhere: not in any table, in no form.
    for needle in ["13812345678", "13987654321", "12345678"] {
        assert_eq!(
            tables_holding(&app, needle).await,
            Vec::<String>::new(),
            "{needle}"
        );
    }
    // The check itself finds what is there.
    assert_eq!(tables_holding(&app, "17000002003").await, ["people"]);
}

#[tokio::test]
async fn without_a_key_the_platform_takes_no_numbers() {
    let app = TestApp::new().await;
    let (_, shift) = market_with_shift(&app, 3).await;
    let stall = event::stalls::find_shift(&app.db, shift)
        .await
        .unwrap()
        .stall_id;
    let coordinator = app
        .signed_in(PlatformRole::Coordinator, "周协调", "17000002003")
        .await;
    let page = coordinator
        .get_text(&format!("/stalls/{stall}/tally"))
        .await;
    assert!(!page.contains("visit-phone"));
    let refused = coordinator
        .post(
            &format!("/stalls/{stall}/visits"),
            &[("phone", "13812345678")],
        )
        .await;
    assert_eq!(refused.status(), 404);
}
