//! Charts drawn as SVG on the server (no script); their numbers are also in the tables below them.

use std::collections::BTreeMap;

use event::stats::Figures;

use crate::i18n::Lang;

/// Bars of hours per month, scaled to the tallest, drawn about one unit a pixel on a
/// phone: a title, both axes labelled, labels of 12 px at least (every month's up to a
/// year, fewer beyond), and the numbers in the table below.
pub(super) fn hours_chart(lang: Lang, months: &BTreeMap<(i32, u32), Figures>) -> String {
    if months.is_empty() {
        return String::new();
    }
    let max = months
        .values()
        .map(|f| f.hours_tenths)
        .max()
        .unwrap_or(0)
        .max(1);
    let (width, left, right, top, plot) = (360_i64, 40_i64, 8_i64, 44_i64, 140_i64);
    let slot = (width - left - right) / months.len() as i64;
    let bar = (slot * 3 / 5).max(2);
    // Labels only every `step`th month when there are more months than fit.
    let step = months.len().div_ceil(12).max(1);
    let title = lang.t("dashboard-chart-title");
    let base = top + plot;
    let mut svg = format!(
        r##"<svg class="chart" viewBox="0 0 {width} {}" role="img" aria-labelledby="chart-title"><title id="chart-title">{title}</title><text x="0" y="16" font-size="14" font-weight="bold">{title}</text><text x="0" y="36" font-size="12">{hours}</text><line x1="{left}" y1="{top}" x2="{left}" y2="{base}" stroke="#555"/><line x1="{left}" y1="{base}" x2="{}" y2="{base}" stroke="#555"/><text x="{}" y="{}" font-size="12" text-anchor="middle">{month}</text>"##,
        base + 46,
        width - right,
        left + (width - left - right) / 2,
        base + 42,
        hours = lang.t("dashboard-chart-y"),
        month = lang.t("dashboard-chart-x"),
    );
    for (i, ((year, month), f)) in months.iter().enumerate() {
        let x = left + i as i64 * slot + (slot - bar) / 2;
        let h = f.hours_tenths * plot / max;
        let y = base - h;
        let hours = event::records::format_hours(f.hours_tenths);
        svg.push_str(&format!(
            r##"<rect x="{x}" y="{y}" width="{bar}" height="{h}" fill="#b3261e"><title>{year}-{month:02}: {hours}</title></rect>"##
        ));
        if i % step == 0 {
            let middle = x + bar / 2;
            svg.push_str(&format!(
                r##"<text x="{middle}" y="{}" font-size="12" text-anchor="middle">{month}</text>"##,
                base + 18
            ));
            if step == 1 && months.len() <= 8 {
                svg.push_str(&format!(
                    r##"<text x="{middle}" y="{}" font-size="12" text-anchor="middle">{hours}</text>"##,
                    (y - 4).max(top - 2)
                ));
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Each service type's share of the services delivered, as one stacked bar with a
/// legend (the exact numbers are in the table below).
pub(super) fn shares_chart(
    lang: Lang,
    by_service: &std::collections::BTreeMap<&'static str, Figures>,
) -> String {
    let total: u64 = by_service.values().map(|f| f.services).sum();
    if total == 0 {
        return String::new();
    }
    const COLOURS: [&str; 7] = [
        "#b3261e", "#1a5fb4", "#1b6e34", "#8a5300", "#6b3fa0", "#00727a", "#555555",
    ];
    let title = lang.t("dashboard-shares-title");
    let mut svg = format!(
        r#"<svg class="chart" viewBox="0 0 360 {}" role="img" aria-labelledby="shares-title"><title id="shares-title">{title}</title><text x="0" y="16" font-size="14" font-weight="bold">{title}</text>"#,
        64 + 22 * by_service.len()
    );
    let mut x = 0u64;
    for (i, (key, f)) in by_service.iter().enumerate() {
        let width = f.services * 360 / total;
        let colour = COLOURS[i % COLOURS.len()];
        let label = lang.t(&format!("service-{}", key.replace('_', "-")));
        let percent = f.services * 100 / total;
        svg.push_str(&format!(
            r#"<rect x="{x}" y="28" width="{width}" height="24" fill="{colour}"><title>{label}: {percent}%</title></rect><rect x="0" y="{}" width="14" height="14" fill="{colour}"/><text x="20" y="{}" font-size="13">{label} {percent}%</text>"#,
            62 + 22 * i,
            74 + 22 * i,
        ));
        x += width;
    }
    svg.push_str("</svg>");
    svg
}
