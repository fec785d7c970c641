//! The monthly report upward says what the dashboard says.

use calamine::{Data, Reader, Xlsx};
use chrono::{Datelike, NaiveDate};

use crate::helpers::TestApp;

fn rows(workbook: &mut Xlsx<std::io::Cursor<Vec<u8>>>, sheet: &str) -> Vec<Vec<String>> {
    workbook
        .worksheet_range(sheet)
        .unwrap()
        .rows()
        .map(|row| row.iter().map(Data::to_string).collect())
        .collect()
}

#[tokio::test]
async fn the_monthly_report_carries_the_dashboards_figures_for_the_month() {
    let app = TestApp::new().await;
    let today = weiyifang::views::today();
    weiyifang::demo::fill(&app.db, today).await.unwrap();
    let coordinator = app.browser();
    let (_, phone, password) = weiyifang::demo::DEMO_ACCOUNTS[1];
    assert_eq!(coordinator.login(phone, password).await.status(), 303);

    // Last month: the demo held a market day on its second Saturday.
    let first = today
        .with_day(1)
        .unwrap()
        .pred_opt()
        .unwrap()
        .with_day(1)
        .unwrap();
    let last = today.with_day(1).unwrap().pred_opt().unwrap();
    let response = coordinator
        .get(&format!(
            "/reports/monthly.xlsx?month={}",
            first.format("%Y-%m")
        ))
        .await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let summary = rows(&mut workbook, "汇总");
    let figure = |label: &str| {
        summary
            .iter()
            .find(|row| row[0] == label)
            .map(|row| row[1].clone())
            .unwrap_or_else(|| panic!("{label} in the summary"))
    };

    let dashboard = coordinator
        .get_text(&format!(
            "/dashboard?from={}&until={}",
            first.format("%Y-%m-%d"),
            last.format("%Y-%m-%d")
        ))
        .await;
    for (label, on_dashboard) in [
        ("举办集市和活动", "举办的集市和活动"),
        ("志愿服务人次", "志愿服务人次"),
        ("参与服务的志愿者", "参与服务的志愿者"),
        ("志愿服务时长（小时）", "志愿服务时长（小时）"),
        ("服务居民人次", "服务居民人次"),
    ] {
        let value = figure(label);
        assert!(
            dashboard.contains(&format!(
                r#"<span class="count">{value}</span> {on_dashboard}"#
            )),
            "{label} = {value} on the dashboard"
        );
    }
    assert_eq!(figure("举办集市和活动"), "1");
    assert!(figure("服务居民人次").parse::<u32>().unwrap() > 0);
    assert_eq!(figure("居民满意率"), {
        let start = |d: NaiveDate| event::schedule::at(d, chrono::NaiveTime::MIN);
        let found = triage::ratings::satisfaction(
            &app.db,
            None,
            Some(start(first)),
            Some(start(last.succ_opt().unwrap())),
        )
        .await
        .unwrap();
        weiyifang::views::percent(&found.all)
    });

    // The volunteers' hours add up to the month's total, in tenths so nothing rounds.
    let tenths = |text: &str| {
        let (whole, tenth) = text.split_once('.').unwrap_or((text, "0"));
        whole.parse::<i64>().unwrap() * 10 + tenth.parse::<i64>().unwrap()
    };
    let volunteers = rows(&mut workbook, "志愿者时长");
    let sum: i64 = volunteers.iter().skip(1).map(|row| tenths(&row[3])).sum();
    assert_eq!(sum, tenths(&figure("志愿服务时长（小时）")));
    assert!(
        volunteers.iter().skip(1).all(|row| row[1].contains("****")),
        "phone numbers masked"
    );
}
