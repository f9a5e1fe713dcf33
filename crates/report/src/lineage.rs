//! The lineage chart: one row per lineage, days on x, links between rows.

use std::collections::BTreeMap;

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use crate::error::Result;
use crate::model::{Lineage, LinkKind, ReportInput};
use crate::plots::{Axis, CAPTION_SIZE, FONT, LABEL_SIZE, color, day_label, day_ticks, render_svg};

/// At most this many lineage rows are drawn; the rest are counted.
pub const MAX_LINEAGE_ROWS: usize = 80;

/// Shades of the size ramp; runs of days with the same shade become one bar.
pub(crate) const N_SHADES: usize = 6;

/// Which lineages get a row, in display order, and what was left out.
pub(crate) struct LineageRows<'a> {
    /// Lineages shown, top row first.
    pub(crate) rows: Vec<&'a Lineage>,
    /// Lineages not shown because of [`MAX_LINEAGE_ROWS`].
    pub(crate) n_hidden: usize,
    /// Links with at least one end on a hidden row.
    pub(crate) n_hidden_links: usize,
    /// The smallest cluster size over all shown presences (at least 1).
    pub(crate) min_size: u64,
    /// The largest cluster size over all shown presences (at least 1).
    pub(crate) max_size: u64,
}

/// The first day a lineage was alive (`usize::MAX` if never).
fn first_day(lineage: &Lineage) -> usize {
    lineage.presence.iter().map(|p| p.day_idx).min().unwrap_or(usize::MAX)
}

/// Picks the rows: when there are too many lineages, novel ones come first,
/// then those alive on the last day, then the largest by summed size.
/// Rows are shown by first day, then id, so splits flow downwards.
pub(crate) fn select_rows(input: &ReportInput) -> LineageRows<'_> {
    let last = input.days.len().checked_sub(1);
    let mut ranked: Vec<&Lineage> = input.lineages.iter().collect();
    ranked.sort_by_key(|l| {
        let alive_last = last.is_some_and(|d| l.presence.iter().any(|p| p.day_idx == d));
        let total: u64 = l.presence.iter().map(|p| p.size).sum();
        (l.novel_on.is_none(), !alive_last, std::cmp::Reverse(total), l.id)
    });
    let n_hidden = ranked.len().saturating_sub(MAX_LINEAGE_ROWS);
    ranked.truncate(MAX_LINEAGE_ROWS);

    let shown: BTreeMap<u64, usize> = ranked.iter().map(|l| (l.id, first_day(l))).collect();
    let n_hidden_links = input
        .links
        .iter()
        .filter(|k| !shown.contains_key(&k.from) || !shown.contains_key(&k.to))
        .count();
    let family = families(&shown, input);
    ranked.sort_by_key(|l| (family[&l.id], first_day(l), l.id));

    let sizes = || ranked.iter().flat_map(|l| l.presence.iter().map(|p| p.size.max(1)));
    let max_size = sizes().max().unwrap_or(1);
    let min_size = sizes().min().unwrap_or(1);
    LineageRows { rows: ranked, n_hidden, n_hidden_links, min_size, max_size }
}

/// Groups the shown lineages connected by links into families and gives each
/// lineage its family's key: the earliest (first day, id) among its members.
/// Sorting rows by that key keeps linked lineages next to each other, so
/// link lines stay short.
fn families(shown: &BTreeMap<u64, usize>, input: &ReportInput) -> BTreeMap<u64, (usize, u64)> {
    // Union-find over lineage ids; the root of a set is its smallest key.
    let mut parent: BTreeMap<u64, u64> = shown.keys().map(|&id| (id, id)).collect();
    fn root(parent: &BTreeMap<u64, u64>, mut id: u64) -> u64 {
        while parent[&id] != id {
            id = parent[&id];
        }
        id
    }
    let key = |id: u64| (shown[&id], id);
    for link in &input.links {
        if !(shown.contains_key(&link.from) && shown.contains_key(&link.to)) {
            continue;
        }
        let (a, b) = (root(&parent, link.from), root(&parent, link.to));
        if a != b {
            let (keep, drop) = if key(a) <= key(b) { (a, b) } else { (b, a) };
            parent.insert(drop, keep);
        }
    }
    shown.keys().map(|&id| (id, key(root(&parent, id)))).collect()
}

/// The colour of a link kind, shared by the plot and its HTML legend.
pub(crate) fn link_color(kind: LinkKind) -> RGBColor {
    match kind {
        LinkKind::Split => color::ORANGE,
        LinkKind::Absorbed => color::PURPLE,
        LinkKind::Survived => color::GREEN,
        LinkKind::Reidentified => color::GREY,
    }
}

/// The shade (0 = palest) of a cluster of `size` senders on a log scale
/// from `min_size` to `max_size`.
pub(crate) fn shade(size: u64, min_size: u64, max_size: u64) -> usize {
    if max_size <= min_size {
        return N_SHADES - 1;
    }
    let lo = (min_size.max(1) as f64).ln();
    let t = ((size.max(1) as f64).ln() - lo) / ((max_size as f64).ln() - lo);
    ((t.clamp(0.0, 1.0) * (N_SHADES - 1) as f64).round() as usize).min(N_SHADES - 1)
}

/// The fill colour of a shade.
pub(crate) fn shade_color(shade: usize) -> RGBColor {
    color::ramp(0.15 + 0.85 * shade as f64 / (N_SHADES - 1) as f64)
}

/// The text of a row's tick label: id, then the label if any, kept short.
fn row_label(lineage: &Lineage) -> String {
    let mut text = format!("#{}", lineage.id);
    if let Some(label) = &lineage.majority_label {
        let short: String = label.chars().take(12).collect();
        text.push(' ');
        text.push_str(&short);
        if label.chars().count() > 12 {
            text.push('…');
        }
    }
    text
}

/// Runs of consecutive days with the same shade: (first day, last day, shade).
fn runs(lineage: &Lineage, min_size: u64, max_size: u64) -> Vec<(usize, usize, usize)> {
    // A day listed twice keeps its larger size.
    let mut by_day: BTreeMap<usize, u64> = BTreeMap::new();
    for p in &lineage.presence {
        let e = by_day.entry(p.day_idx).or_insert(0);
        *e = (*e).max(p.size);
    }
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    for (day, size) in by_day {
        let s = shade(size, min_size, max_size);
        match out.last_mut() {
            Some(run) if run.1 + 1 == day && run.2 == s => run.1 = day,
            _ => out.push((day, day, s)),
        }
    }
    out
}

/// Draws the lineage chart of `rows` over the days of `input`.
pub(crate) fn lineage_svg(input: &ReportInput, rows: &LineageRows<'_>) -> Result<String> {
    let title = "Lineages over time";
    let days = &input.days;
    let n_days = days.len();
    let n_rows = rows.rows.len();
    let height = (110 + 15 * n_rows as u32).max(200);

    // Row r is drawn at y = n_rows - 1 - r so that the first row is on top.
    let row_y: BTreeMap<u64, f64> =
        rows.rows.iter().enumerate().map(|(r, l)| (l.id, (n_rows - 1 - r) as f64)).collect();
    let labels: BTreeMap<i64, String> = rows
        .rows
        .iter()
        .enumerate()
        .map(|(r, l)| ((n_rows - 1 - r) as i64, row_label(l)))
        .collect();

    render_svg("lineages", title, (1100, height), |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(title, (FONT, CAPTION_SIZE).into_font().color(&color::INK))
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(130)
            .build_cartesian_2d(
                Axis::new(-0.5, n_days as f64 - 0.5, day_ticks(n_days, 12)),
                Axis::new(-0.6, n_rows as f64 - 0.4, (0..n_rows).map(|r| r as f64).collect()),
            )?;
        let x_fmt = |x: &f64| day_label(days, *x);
        let y_fmt = |y: &f64| labels.get(&(y.round() as i64)).cloned().unwrap_or_default();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(color::LIGHT.mix(0.6))
            .axis_style(color::GREY)
            .label_style((FONT, LABEL_SIZE).into_font().color(&color::INK))
            .y_label_style((FONT, LABEL_SIZE - 1.0).into_font().color(&color::INK))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;

        // The last day gets a pale band: that is "today" for the analyst.
        if n_days > 0 {
            let x = (n_days - 1) as f64;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.5, -0.6), (x + 0.5, n_rows as f64 - 0.4)],
                color::SKY.mix(0.15).filled(),
            )))?;
        }

        // One bar per run of days alive, shaded by cluster size.
        let mut bars = Vec::new();
        for lineage in &rows.rows {
            let y = row_y[&lineage.id];
            for (d0, d1, s) in runs(lineage, rows.min_size, rows.max_size) {
                bars.push(Rectangle::new(
                    [(d0 as f64 - 0.5, y - 0.32), (d1 as f64 + 0.5, y + 0.32)],
                    shade_color(s).filled(),
                ));
            }
        }
        chart.draw_series(bars)?;

        // Links go from the older lineage's last day alive before the link to
        // the receiving lineage on the link's day.
        for link in &input.links {
            let (Some(&y0), Some(&y1)) = (row_y.get(&link.from), row_y.get(&link.to)) else {
                continue;
            };
            let from = input.lineages.iter().find(|l| l.id == link.from);
            let x0 = from
                .and_then(|l| {
                    l.presence.iter().map(|p| p.day_idx).filter(|d| *d < link.day_idx).max()
                })
                .unwrap_or(link.day_idx.saturating_sub(1)) as f64;
            let x1 = link.day_idx as f64;
            let style = link_color(link.kind).stroke_width(3);
            let points = vec![(x0, y0), (x1, y1)];
            if link.kind == LinkKind::Reidentified {
                chart.draw_series(std::iter::once(DashedPathElement::new(points, 5, 3, style)))?;
            } else {
                chart.draw_series(std::iter::once(PathElement::new(points, style)))?;
            }
        }

        // Novel births are marked where they happened.
        let marks = rows.rows.iter().filter_map(|l| {
            l.novel_on.map(|d| {
                TriangleMarker::new((d as f64, row_y[&l.id]), 7, color::VERMILLION.filled())
            })
        });
        chart.draw_series(marks)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DaySummary, Presence, RunInfo};

    fn lineage(id: u64, days: &[(usize, u64)]) -> Lineage {
        Lineage {
            id,
            presence: days.iter().map(|&(day_idx, size)| Presence { day_idx, size }).collect(),
            ..Lineage::default()
        }
    }

    #[test]
    fn consecutive_days_with_the_same_shade_merge() {
        let l = lineage(1, &[(0, 100), (1, 100), (3, 100), (4, 10)]);
        // 10 is the bottom of a 10..100 log ramp, 100 the top.
        assert_eq!(runs(&l, 10, 100), vec![(0, 1, 5), (3, 3, 5), (4, 4, 0)]);
    }

    #[test]
    fn shades_span_the_ramp() {
        assert_eq!(shade(1, 1, 1000), 0);
        assert_eq!(shade(1000, 1, 1000), N_SHADES - 1);
        // sqrt(10 * 1000) = 100 is halfway on the log scale: shade 2.5 rounds to 3.
        assert_eq!(shade(100, 10, 1000), 3);
        assert_eq!(shade(5, 5, 5), N_SHADES - 1);
    }

    #[test]
    fn too_many_lineages_keep_novel_and_current_ones() {
        let mut input = ReportInput::new(RunInfo::default());
        input.days = vec![DaySummary::default(); 3];
        input.lineages = (0..200).map(|id| lineage(id, &[(0, 10 + id)])).collect();
        input.lineages[5].novel_on = Some(0);
        input.lineages[7].presence.push(Presence { day_idx: 2, size: 10 });
        let rows = select_rows(&input);
        assert_eq!(rows.rows.len(), MAX_LINEAGE_ROWS);
        assert_eq!(rows.n_hidden, 200 - MAX_LINEAGE_ROWS);
        let ids: Vec<u64> = rows.rows.iter().map(|l| l.id).collect();
        assert!(ids.contains(&5) && ids.contains(&7));
        // The others kept are the largest: ids 199 down to 199 - 77.
        assert!(ids.contains(&199) && !ids.contains(&0));
    }
}

#[cfg(test)]
mod family_tests {
    use super::*;
    use crate::model::{DaySummary, LineageLink, Presence, RunInfo};

    #[test]
    fn linked_lineages_sit_together() {
        let mut input = ReportInput::new(RunInfo::default());
        input.days = vec![DaySummary::default(); 4];
        let at = |id, day| Lineage {
            id,
            presence: vec![Presence { day_idx: day, size: 10 }],
            ..Lineage::default()
        };
        // 1 (day 0) splits into 4 (day 3); 2 and 3 are unrelated, born on days 1 and 2.
        input.lineages = vec![at(1, 0), at(2, 1), at(3, 2), at(4, 3)];
        input.links = vec![LineageLink { kind: LinkKind::Split, from: 1, to: 4, day_idx: 3 }];
        let rows = select_rows(&input);
        let ids: Vec<u64> = rows.rows.iter().map(|l| l.id).collect();
        assert_eq!(ids, vec![1, 4, 2, 3]);
        assert_eq!(rows.n_hidden_links, 0);
    }
}
