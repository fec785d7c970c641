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
    let summary: Vec<Vec<Data>> = workbook
        .worksheet_range("汇总")
        .unwrap()
        .rows()
        .map(|row| row.to_vec())
        .collect();
    assert!(
        summary[0][0].to_string().contains("生成于"),
        "a title line names the period and when it was made"
    );
    let figure = |label: &str| {
        summary
            .iter()
            .find(|row| row[0] == label)
            .map(|row| row[1].clone())
            .unwrap_or_else(|| panic!("{label} in the summary"))
    };
    // Every figure is a number cell, so a spreadsheet's SUM works on it.
    let number = |label: &str| match figure(label) {
        Data::Float(n) => n,
        Data::Int(n) => n as f64,
        other => panic!("{label} is not a number cell: {other:?}"),
    };

    let dashboard = coordinator
        .get_text(&format!(
            "/dashboard?from={}&until={}",
            first.format("%Y-%m-%d"),
            last.format("%Y-%m-%d")
        ))
        .await;
    for (label, on_dashboard) in [
        ("举办公益集市（天）", "公益集市（天）"),
        ("组织活动（场）", "组织活动（场）"),
        ("志愿服务人次", "志愿服务人次"),
        ("参与服务的志愿者", "参与服务的志愿者"),
        ("志愿服务时长（小时）", "志愿服务时长（小时）"),
        ("服务居民人次", "服务居民人次"),
    ] {
        let value = number(label);
        let shown = if label.contains("时长") {
            format!("{value:.1}")
        } else {
            format!("{value:.0}")
        };
        assert!(
            dashboard.contains(&format!(
                r#"<span class="count">{shown}</span> {on_dashboard}"#
            )),
            "{label} = {shown} on the dashboard"
        );
    }
    assert_eq!(number("举办公益集市（天）"), 1.0);
    assert_eq!(number("组织活动（场）"), 0.0);
    assert!(number("服务居民人次") > 0.0);
    let parts: f64 = ["其中：老年人", "其中：儿童", "其中：残疾人", "其中：其他"]
        .iter()
        .map(|label| number(label))
        .sum();
    assert!(parts <= number("服务居民人次"));
    let found = {
        let start = |d: NaiveDate| event::schedule::at(d, chrono::NaiveTime::MIN);
        triage::ratings::satisfaction(
            &app.db,
            None,
            Some(start(first)),
            Some(start(last.succ_opt().unwrap())),
        )
        .await
        .unwrap()
    };
    assert_eq!(
        format!("{:.1}%", number("居民满意率") * 100.0),
        weiyifang::views::percent(&found.all)
    );

    // The volunteers' hours add up to the month's total, in tenths so nothing rounds.
    let tenths = |hours: f64| (hours * 10.0).round() as i64;
    let volunteers = rows(&mut workbook, "志愿者时长");
    let hours_cells: Vec<f64> = workbook
        .worksheet_range("志愿者时长")
        .unwrap()
        .rows()
        .skip(2)
        .map(|row| match row[3] {
            Data::Float(h) => h,
            ref other => panic!("hours are a number cell: {other:?}"),
        })
        .collect();
    let sum: i64 = hours_cells.iter().map(|h| tenths(*h)).sum();
    assert_eq!(sum, tenths(number("志愿服务时长（小时）")));
    assert!(
        volunteers.iter().skip(2).all(|row| row[1].contains("****")),
        "phone numbers masked"
    );
}
