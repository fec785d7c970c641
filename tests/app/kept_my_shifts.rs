//! A volunteer's "my shifts" is kept in memory between requests; it must still show every
//! change at once, whichever way it was made — through the platform or by a plain SQL
//! statement — and every change the clock alone makes (hours coming to stand, a shift
//! ending), and a place on a waiting list always shows its position now.

use chrono::{Duration, Utc};
use event::entities::event as event_row;
use event::entities::{hour_entry, objection, service_record, shift, stall};
use event::{records, signups};
use member::PlatformRole;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::helpers::{Browser, PASSWORD, TestApp, volunteer};
use crate::markets::market_with_shift;

/// A plain UPDATE of one column of the row `id`, past every domain function.
macro_rules! set {
    ($app:expr, $table:ident, $column:ident = $value:expr, $id:expr) => {
        $table::Entity::update_many()
            .col_expr($table::Column::$column, Expr::value($value))
            .filter($table::Column::Id.eq($id))
            .exec(&$app.db)
            .await
            .unwrap()
    };
}

async fn volunteer_signed_in(app: &TestApp, name: &str, phone: &str) -> (Uuid, Browser) {
    let id = app.add_account(PlatformRole::Volunteer, name, phone).await;
    let browser = app.browser();
    assert_eq!(browser.login(phone, PASSWORD).await.status(), 303);
    (id, browser)
}

/// "My shifts" asked twice: the second answer is the kept one, and must be the same.
async fn my_shifts(browser: &Browser) -> String {
    let first = browser.get_text("/me/shifts").await;
    let again = browser.get_text("/me/shifts").await;
    assert_eq!(first, again);
    first
}

#[tokio::test]
async fn kept_my_shifts_follow_every_change_they_show() {
    let app = TestApp::new().await;
    let (id, browser) = volunteer_signed_in(&app, "李阿姨", "13912345001").await;
    let (market, shift_id) = market_with_shift(&app, 2).await;
    assert!(my_shifts(&browser).await.contains("还没有报名"));
    signups::sign_up(&app.db, &volunteer(id), shift_id, Utc::now())
        .await
        .unwrap();
    let page = my_shifts(&browser).await;
    assert!(page.contains("✓ 已报名（已确认）"), "{page}");
    assert!(page.contains("南湖社区公益集市"));

    // The day, its stall and the shift changed by plain updates.
    set!(app, event_row, Title = "南湖冬季集市", market);
    assert!(my_shifts(&browser).await.contains("南湖冬季集市"));
    set!(app, event_row, Place = "南湖社区文化站", market);
    assert!(my_shifts(&browser).await.contains("南湖社区文化站"));
    let found = event::stalls::find_shift(&app.db, shift_id).await.unwrap();
    set!(app, stall, Service = "clinic", found.stall_id);
    assert!(my_shifts(&browser).await.contains("义诊 · 南湖冬季集市"));
    set!(
        app,
        shift,
        EndsAt = found.ends_at + Duration::minutes(15),
        shift_id
    );
    let ends = weiyifang::views::clock(found.ends_at + Duration::minutes(15));
    assert!(my_shifts(&browser).await.contains(&ends), "{ends}");

    // The day cancelled, and published again (a slip undone).
    event_row::Entity::update_many()
        .col_expr(event_row::Column::Status, Expr::value("cancelled"))
        .col_expr(event_row::Column::CancelReason, Expr::value("场地维修"))
        .filter(event_row::Column::Id.eq(market))
        .exec(&app.db)
        .await
        .unwrap();
    assert!(
        my_shifts(&browser)
            .await
            .contains("这场集市已取消：场地维修")
    );
    set!(app, event_row, Status = "published", market);
    assert!(!my_shifts(&browser).await.contains("已取消"));

    // The day took place (it was set a week ahead): checked in by a plain insert, then
    // moved by a plain update.
    app.move_day(market, -8).await;
    let page = my_shifts(&browser).await;
    assert!(page.contains("以往的值班"), "{page}");
    let signup = event::records::attendance(&app.db, &app.staff_actor(), found.stall_id)
        .await
        .unwrap()
        .1[0]
        .lines[0]
        .signup
        .clone();
    let shift_now = event::stalls::find_shift(&app.db, shift_id).await.unwrap();
    let record_id = Uuid::now_v7();
    service_record::ActiveModel {
        id: Set(record_id),
        signup_id: Set(signup.id),
        shift_id: Set(shift_id),
        person_id: Set(id),
        checked_in_at: Set(Some(shift_now.starts_at)),
        checked_out_at: Set(None),
        attendance: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let checked_in = format!("已签到 {}", weiyifang::views::clock(shift_now.starts_at));
    assert!(my_shifts(&browser).await.contains(&checked_in));
    set!(
        app,
        service_record,
        CheckedInAt = shift_now.starts_at + Duration::minutes(5),
        record_id
    );
    let later = weiyifang::views::clock(shift_now.starts_at + Duration::minutes(5));
    assert!(
        my_shifts(&browser)
            .await
            .contains(&format!("已签到 {later}"))
    );

    // Hours confirmed (posted), the posting over, an objection holding them back, dismissed.
    records::enter_hours(
        &app.db,
        &app.staff_actor(),
        record_id,
        ("1.5", ""),
        &crate::helpers::publicity(),
        Utc::now(),
    )
    .await
    .unwrap();
    let page = my_shifts(&browser).await;
    assert!(page.contains("已确认服务 1 次，共 1.5 小时"), "{page}");
    assert!(page.contains("其中 1.5 小时正在公示"));
    // The posting ends in a moment, with no write when it does.
    hour_entry::Entity::update_many()
        .col_expr(
            hour_entry::Column::StandsAt,
            Expr::value(Utc::now() + Duration::seconds(2)),
        )
        .filter(hour_entry::Column::RecordId.eq(record_id))
        .exec(&app.db)
        .await
        .unwrap();
    assert!(my_shifts(&browser).await.contains("其中 1.5 小时正在公示"));
    tokio::time::sleep(Duration::seconds(3).to_std().unwrap()).await;
    assert!(!my_shifts(&browser).await.contains("正在公示"));
    let objection_id = Uuid::now_v7();
    objection::ActiveModel {
        id: Set(objection_id),
        record_id: Set(record_id),
        reason: Set("时长不对".into()),
        contact: Set(String::new()),
        raised_by: Set(None),
        raised_from: Set(String::new()),
        raised_at: Set(Utc::now()),
        status: Set("open".into()),
        resolution: Set(String::new()),
        resolved_by: Set(None),
        resolved_at: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
    assert!(my_shifts(&browser).await.contains("其中 1.5 小时正在公示"));
    set!(app, objection, Status = "dismissed", objection_id);
    assert!(!my_shifts(&browser).await.contains("正在公示"));
    // A correction by a plain update of the entry.
    hour_entry::Entity::update_many()
        .col_expr(hour_entry::Column::Tenths, Expr::value(10))
        .filter(hour_entry::Column::RecordId.eq(record_id))
        .exec(&app.db)
        .await
        .unwrap();
    assert!(my_shifts(&browser).await.contains("共 1.0 小时"));
    // Marked 未到岗: the hours end.
    set!(app, service_record, Attendance = "no_show", record_id);
    assert!(my_shifts(&browser).await.contains("已确认服务 0 次"));
}

#[tokio::test]
async fn kept_my_shifts_follow_the_clock_and_a_waiting_place_moves_up_at_once() {
    let app = TestApp::new().await;
    let first = app
        .add_account(PlatformRole::Volunteer, "王叔叔", "13912345001")
        .await;
    let (second, second_browser) = volunteer_signed_in(&app, "赵奶奶", "13912345002").await;
    let (third, third_browser) = volunteer_signed_in(&app, "钱大爷", "13912345003").await;
    let (_, shift_id) = market_with_shift(&app, 1).await;
    for id in [first, second, third] {
        signups::sign_up(&app.db, &volunteer(id), shift_id, Utc::now())
            .await
            .unwrap();
    }
    assert!(my_shifts(&third_browser).await.contains("候补第 2 位"));
    // Someone ahead leaves: the third person's rows are untouched, their place is not.
    signups::cancel(&app.db, &volunteer(second), shift_id, Utc::now())
        .await
        .unwrap();
    assert!(my_shifts(&third_browser).await.contains("候补第 1 位"));
    assert!(my_shifts(&second_browser).await.contains("还没有报名"));

    // The shift ends in a moment: the kept page moves it to the past when it does.
    let browser = app.browser();
    assert_eq!(browser.login("13912345001", PASSWORD).await.status(), 303);
    let soon = Utc::now() + Duration::seconds(2);
    set!(app, shift, StartsAt = soon - Duration::hours(1), shift_id);
    set!(app, shift, EndsAt = soon, shift_id);
    let page = my_shifts(&browser).await;
    assert!(!page.contains("以往的值班"), "{page}");
    tokio::time::sleep(Duration::seconds(3).to_std().unwrap()).await;
    assert!(my_shifts(&browser).await.contains("以往的值班"));
}
