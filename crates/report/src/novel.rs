//! The plots of one novel cluster: its senders' activity raster and its
//! packets over the day.

use plotters::prelude::*;

use crate::error::Result;
use crate::model::Raster;
use crate::plots::{Axis, CAPTION_SIZE, FONT, LABEL_SIZE, color, count_ticks, render_svg};

/// At most this many senders get a raster row; the busiest are kept.
pub const MAX_RASTER_ROWS: usize = 40;

/// Width of the raster and activity plots, in pixels.
const WIDTH: u32 = 1000;

/// The rows of a raster to draw: indices of the busiest senders, busiest first.
pub(crate) fn raster_rows(raster: &Raster) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..raster.senders.len()).collect();
    let total = |r: usize| raster.n_packets[r].iter().sum::<u64>();
    rows.sort_by_key(|&r| (std::cmp::Reverse(total(r)), r));
    rows.truncate(MAX_RASTER_ROWS);
    rows
}

/// Keeps a tick label short enough for an axis.
fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Draws the activity raster: sender rows by time-bin columns, darker cells
/// for more packets (log scale), empty cells left white.
pub(crate) fn raster_svg(plot_title: &str, raster: &Raster) -> Result<String> {
    let rows = raster_rows(raster);
    let n_rows = rows.len();
    let n_cols = raster.columns.len();
    let max = rows.iter().flat_map(|&r| raster.n_packets[r].iter().copied()).max().unwrap_or(0);
    let scale = ((max + 1) as f64).ln().max(f64::MIN_POSITIVE);
    let height = (100 + 14 * n_rows as u32).max(160);

    // Thin out column labels so that they do not overlap: about 7.5 px per
    // character at this font size, over roughly 820 px of plot width.
    let widest = raster.columns.iter().map(|c| c.chars().count().min(12)).max().unwrap_or(1);
    let max_ticks = (820.0 / (widest as f64 * 7.5 + 16.0)).floor().max(1.0) as usize;
    let step = n_cols.div_ceil(max_ticks).max(1);
    let x_ticks: Vec<f64> = (0..n_cols).step_by(step).map(|c| c as f64).collect();

    render_svg("raster", plot_title, (WIDTH, height), |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(plot_title, (FONT, CAPTION_SIZE).into_font().color(&color::INK))
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(150)
            .build_cartesian_2d(
                Axis::new(-0.5, n_cols.max(1) as f64 - 0.5, x_ticks),
                Axis::new(
                    -0.5,
                    n_rows.max(1) as f64 - 0.5,
                    (0..n_rows).map(|r| r as f64).collect(),
                ),
            )?;
        let x_fmt = |x: &f64| {
            let c = x.round();
            raster.columns.get(c as usize).map(|s| short(s, 12)).unwrap_or_default()
        };
        let y_fmt = |y: &f64| {
            let r = n_rows.saturating_sub(1 + y.round() as usize);
            rows.get(r).map(|&i| short(&raster.senders[i], 22)).unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(color::GREY)
            .label_style((FONT, LABEL_SIZE).into_font().color(&color::INK))
            .y_label_style((FONT, LABEL_SIZE - 1.0).into_font().color(&color::INK))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;

        let mut cells = Vec::new();
        for (r, &i) in rows.iter().enumerate() {
            let y = (n_rows - 1 - r) as f64;
            for (c, &packets) in raster.n_packets[i].iter().enumerate() {
                if packets == 0 {
                    continue;
                }
                let t = 0.2 + 0.8 * ((packets + 1) as f64).ln() / scale;
                let x = c as f64;
                cells.push(Rectangle::new(
                    [(x - 0.48, y - 0.42), (x + 0.48, y + 0.42)],
                    color::ramp(t).filled(),
                ));
            }
        }
        chart.draw_series(cells)?;
        Ok(())
    })
}

/// Draws packets per time bin of the day as bars; 24 bins are labelled as hours.
pub(crate) fn activity_svg(plot_title: &str, activity: &[u64]) -> Result<String> {
    let n = activity.len();
    let max = activity.iter().copied().max().unwrap_or(0) as f64;
    let (top, y_ticks) = count_ticks(max);
    let step = if n == 24 { 2 } else { n.div_ceil(12).max(1) };
    render_svg("activity", plot_title, (WIDTH, 220), |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(plot_title, (FONT, CAPTION_SIZE).into_font().color(&color::INK))
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(70)
            .build_cartesian_2d(
                Axis::new(
                    -0.5,
                    n.max(1) as f64 - 0.5,
                    (0..n).step_by(step).map(|b| b as f64).collect(),
                ),
                Axis::new(0.0, top, y_ticks),
            )?;
        let x_fmt = |x: &f64| {
            let bin = x.round() as usize;
            if n == 24 { format!("{bin:02}h") } else { format!("bin {bin}") }
        };
        let y_fmt = |y: &f64| format!("{y}");
        chart
            .configure_mesh()
            .disable_x_mesh()
            .bold_line_style(color::LIGHT)
            .axis_style(color::GREY)
            .label_style((FONT, LABEL_SIZE).into_font().color(&color::INK))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .y_desc("packets")
            .draw()?;
        let bars = activity.iter().enumerate().filter(|(_, p)| **p > 0).map(|(b, &p)| {
            let x = b as f64;
            Rectangle::new([(x - 0.4, 0.0), (x + 0.4, p as f64)], color::BLUE.filled())
        });
        chart.draw_series(bars)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busiest_senders_come_first_and_are_capped() {
        let n = MAX_RASTER_ROWS + 5;
        let raster = Raster {
            columns: vec!["d0".into(), "d1".into()],
            senders: (0..n).map(|i| format!("192.0.2.{i}")).collect(),
            n_packets: (0..n as u64).map(|i| vec![i, 1]).collect(),
        };
        let rows = raster_rows(&raster);
        assert_eq!(rows.len(), MAX_RASTER_ROWS);
        assert_eq!(rows[0], n - 1);
        assert!(!rows.contains(&0));
    }

    #[test]
    fn long_labels_are_shortened() {
        assert_eq!(short("2001:db8::1234:5678", 8), "2001:db…");
        assert_eq!(short("d0", 8), "d0");
    }

    #[test]
    fn activity_of_any_length_draws() {
        for n in [1, 24, 96] {
            let svg = activity_svg("a", &vec![3; n]).unwrap();
            assert_eq!(svg.matches("<rect").count(), n + 1, "{n} bars and the background");
        }
        assert!(activity_svg("a", &[0; 24]).unwrap().contains(">\n00h\n</text>"));
    }

    #[test]
    fn an_empty_raster_still_draws() {
        let svg = raster_svg("empty", &Raster::default()).unwrap();
        assert!(svg.contains("</svg>"));
    }
}
