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

#[tokio::test]
async fn the_report_carries_what_upward_reports_ask_for_in_a_stable_order_and_for_any_period() {
    let app = TestApp::new().await;
    let today = weiyifang::views::today();
    weiyifang::demo::fill(&app.db, today).await.unwrap();
    let coordinator = app.browser();
    let (_, phone, password) = weiyifang::demo::DEMO_ACCOUNTS[1];
    assert_eq!(coordinator.login(phone, password).await.status(), 303);
    let last_month = today
        .with_day(1)
        .unwrap()
        .pred_opt()
        .unwrap()
        .format("%Y-%m")
        .to_string();
    let download = |path: String| {
        let coordinator = &coordinator;
        async move {
            let response = coordinator.get(&path).await;
            assert_eq!(response.status(), 200, "{path}");
            let bytes = response.bytes().await.unwrap().to_vec();
            let workbook: Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
            workbook
        }
    };
    let mut workbook = download(format!("/reports/monthly.xlsx?month={last_month}")).await;
    let summary = rows(&mut workbook, "汇总");
    let value = |label: &str| {
        summary
            .iter()
            .find(|r| r[0] == label)
            .unwrap_or_else(|| panic!("{label}"))[1]
            .clone()
    };
    assert_eq!(value("孵化的社会组织（期末）"), "43");
    assert_eq!(value("组织成员（期末）"), "6000");
    assert_eq!(value("举办公益集市（天）"), "1");
    let standing = rows(&mut workbook, "组织概况");
    let stages: u64 = standing
        .iter()
        .skip(2)
        .filter(|r| r[0] == "孵化阶段")
        .map(|r| r[2].parse::<u64>().unwrap())
        .sum();
    let registrations: u64 = standing
        .iter()
        .skip(2)
        .filter(|r| r[0] == "登记备案")
        .map(|r| r[2].parse::<u64>().unwrap())
        .sum();
    // Every organization that existed at the month's end has a stage (the two applications
    // came today, so not yet), and the 43 incubated a registration status.
    assert_eq!((stages, registrations), (43, 43));
    let services = rows(&mut workbook, "按服务项目");
    assert!(services.iter().any(|r| r[0] == "义务理发"), "{services:?}");
    let requests = rows(&mut workbook, "居民诉求");
    for class in ["待分流", "大事", "小事", "私事"] {
        assert!(requests.iter().any(|r| r[0] == class), "{class}");
    }
    let funding = rows(&mut workbook, "资金到账");
    assert!(funding.iter().any(|r| r[0] == "合计"));
    for sheet in ["按公益项目", "摊位", "志愿者时长", "居民满意度"] {
        assert!(workbook.worksheet_range(sheet).is_ok(), "{sheet}");
    }
    // Two downloads list the stalls in the same order.
    let again = rows(
        &mut download(format!("/reports/monthly.xlsx?month={last_month}")).await,
        "摊位",
    );
    assert_eq!(rows(&mut workbook, "摊位")[1..], again[1..]);

    // Any period: the last three months hold three market days.
    let first = today
        .with_day(1)
        .unwrap()
        .checked_sub_months(chrono::Months::new(3))
        .unwrap();
    let last = today.with_day(1).unwrap().pred_opt().unwrap();
    let mut period = download(format!("/reports/period.xlsx?from={first}&until={last}")).await;
    let summary = rows(&mut period, "汇总");
    assert!(summary[0][0].starts_with("微益坊报表"), "{:?}", summary[0]);
    let days = summary
        .iter()
        .find(|r| r[0] == "举办公益集市（天）")
        .unwrap()[1]
        .clone();
    assert_eq!(days, "3");
    let response = coordinator
        .get(&format!("/reports/period.xlsx?from={last}&until={first}"))
        .await;
    assert_eq!(response.status(), 422);
    let response = coordinator
        .get("/reports/period.csv?from=soon&until=")
        .await;
    assert_eq!(response.status(), 422);
}
