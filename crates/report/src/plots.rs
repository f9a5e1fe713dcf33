//! Drawing helpers shared by every plot, and the trend plots over the days.
//!
//! Plots are drawn by plotters' SVG backend into a `String`. Without a font
//! feature plotters estimates text widths crudely (0.7 em per character), which
//! is enough to lay out axes; the browser renders the `<text>` elements with its
//! own sans-serif font.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::html::escape;
use crate::model::DaySummary;

/// The drawing area every plot receives.
pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// What drawing into an [`Area`] can fail with.
pub(crate) type DrawResult = std::result::Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// A chart whose two axes are [`Axis`] ranges.
pub(crate) type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// A linear `f64` axis with hand-picked ticks.
///
/// Plotters' own `with_key_points` wrapper loses the mesh's label formatting
/// for `f64`, so the report brings this small axis type instead.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    /// Value at the start of the axis.
    lo: f64,
    /// Value at the end of the axis.
    hi: f64,
    /// Where ticks, labels and grid lines go.
    ticks: Vec<f64>,
}

impl Axis {
    /// An axis from `lo` to `hi` with `ticks`.
    pub(crate) fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Self {
        Self { lo, hi, ticks }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span.abs() < f64::EPSILON || !value.is_finite() {
            return limit.0;
        }
        let t = (value - self.lo) / span;
        limit.0 + (t * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Only bold points: no light grid between the chosen ticks.
        if hint.weight().allow_light_points() { Vec::new() } else { self.ticks.clone() }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// The font family written into the SVG; the browser picks the face.
pub(crate) const FONT: &str = "sans-serif";
/// Font size of plot captions, in plotters units (the SVG gets size / 1.24 px).
pub(crate) const CAPTION_SIZE: f64 = 19.0;
/// Font size of tick labels and axis descriptions.
pub(crate) const LABEL_SIZE: f64 = 15.0;

/// The palette (Okabe and Ito's, safe for colour-blind readers) and greys.
pub(crate) mod color {
    use plotters::style::RGBColor;

    /// Blue.
    pub(crate) const BLUE: RGBColor = RGBColor(0, 114, 178);
    /// Orange.
    pub(crate) const ORANGE: RGBColor = RGBColor(230, 159, 0);
    /// Sky blue.
    pub(crate) const SKY: RGBColor = RGBColor(86, 180, 233);
    /// Bluish green.
    pub(crate) const GREEN: RGBColor = RGBColor(0, 158, 115);
    /// Vermillion: kept for what needs attention (novel).
    pub(crate) const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    /// Reddish purple.
    pub(crate) const PURPLE: RGBColor = RGBColor(204, 121, 167);
    /// Mid grey.
    pub(crate) const GREY: RGBColor = RGBColor(153, 153, 153);
    /// Light grey for grid lines and backgrounds.
    pub(crate) const LIGHT: RGBColor = RGBColor(230, 230, 230);
    /// Text.
    pub(crate) const INK: RGBColor = RGBColor(40, 40, 40);

    /// The CSS form of a colour, for HTML legends.
    pub(crate) fn css(c: RGBColor) -> String {
        format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
    }

    /// A sequential blue ramp: `t = 0` is pale, `t = 1` is dark.
    pub(crate) fn ramp(t: f64) -> RGBColor {
        let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
        let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
        RGBColor(lerp(198.0, 8.0), lerp(219.0, 48.0), lerp(239.0, 107.0))
    }
}

/// One named series of values, one value per x position.
pub(crate) struct Series<'a> {
    /// The legend name.
    pub(crate) name: &'a str,
    /// Its colour.
    pub(crate) color: RGBColor,
    /// The values.
    pub(crate) values: Vec<f64>,
}

/// Draws into a fresh SVG string of `size` pixels and returns the markup.
///
/// The `<svg>` element gets a class, an accessible role and a `<title>` so
/// that each plot can be found and named in the page.
pub(crate) fn render_svg(
    plot: &'static str,
    title: &str,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        let drawn = root.fill(&WHITE).and_then(|()| draw(&root)).and_then(|()| root.present());
        drawn.map_err(|e| Error::Plot { plot, message: e.to_string() })?;
    }
    let head = format!(
        "<svg class=\"plot\" data-plot=\"{plot}\" role=\"img\" aria-label=\"{}\" ",
        escape(title)
    );
    let mut svg = buf.replacen("<svg ", &head, 1);
    if let Some(end) = svg.find(">\n") {
        svg.insert_str(end + 2, &format!("<title>{}</title>\n", escape(title)));
    }
    Ok(svg)
}

/// Ticks `0, step, 2 step, ...` for a count axis whose data reach `max`,
/// with a 1-2-5 step giving at most about six ticks; returns (top, ticks).
pub(crate) fn count_ticks(max: f64) -> (f64, Vec<f64>) {
    let max = if max.is_finite() && max >= 1.0 { max } else { 1.0 };
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude)
        .max(1.0);
    let top = ((max * 1.05) / step).ceil() * step;
    let n = (top / step).round() as usize;
    (top, (0..=n).map(|i| i as f64 * step).collect())
}

/// Positions of the day ticks: every `k`-th day so that at most `max_ticks` show.
pub(crate) fn day_ticks(n_days: usize, max_ticks: usize) -> Vec<f64> {
    let step = n_days.div_ceil(max_ticks.max(1)).max(1);
    (0..n_days).step_by(step).map(|i| i as f64).collect()
}

/// The label of the day at `x`, or nothing between days.
pub(crate) fn day_label(days: &[DaySummary], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    days.get(i as usize).map(|d| d.day.clone()).unwrap_or_default()
}

/// Builds a chart with days on x (one unit per day) and a count axis on y.
pub(crate) fn day_chart<'a, 'b>(
    area: &'a Area<'b>,
    title: &str,
    y_desc: &str,
    days: &[DaySummary],
    y_max: f64,
) -> std::result::Result<Chart<'a, 'b>, DrawingAreaErrorKind<std::io::Error>> {
    let n = days.len();
    let (top, ticks) = count_ticks(y_max);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, CAPTION_SIZE).into_font().color(&color::INK))
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(64)
        .build_cartesian_2d(
            Axis::new(-0.5, n as f64 - 0.5, day_ticks(n, 12)),
            Axis::new(0.0, top, ticks),
        )?;
    let x_fmt = |x: &f64| day_label(days, *x);
    let y_fmt = |y: &f64| format!("{y}");
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(color::LIGHT)
        .axis_style(color::GREY)
        .label_style((FONT, LABEL_SIZE).into_font().color(&color::INK))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .y_desc(y_desc)
        .draw()?;
    Ok(chart)
}

/// One line per series over the days (markers too when days are few).
pub(crate) fn day_lines(
    plot: &'static str,
    title: &str,
    y_desc: &str,
    days: &[DaySummary],
    series: &[Series<'_>],
) -> Result<String> {
    let y_max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0, f64::max);
    render_svg(plot, title, (1100, 300), |area| {
        let mut chart = day_chart(area, title, y_desc, days, y_max)?;
        for s in series {
            let points = s.values.iter().enumerate().map(|(i, v)| (i as f64, *v));
            chart.draw_series(LineSeries::new(points.clone(), s.color.stroke_width(2)))?;
            if days.len() <= 60 {
                chart.draw_series(points.map(|p| Circle::new(p, 3, s.color.filled())))?;
            }
        }
        Ok(())
    })
}

/// Stacked bars per day, first series at the bottom.
pub(crate) fn day_stacked(
    plot: &'static str,
    title: &str,
    y_desc: &str,
    days: &[DaySummary],
    series: &[Series<'_>],
) -> Result<String> {
    let totals: Vec<f64> =
        (0..days.len()).map(|i| series.iter().map(|s| s.values[i]).sum()).collect();
    let y_max = totals.iter().copied().fold(0.0, f64::max);
    let half_width = if days.len() > 60 { 0.5 } else { 0.35 };
    render_svg(plot, title, (1100, 300), |area| {
        let mut chart = day_chart(area, title, y_desc, days, y_max)?;
        let mut base = vec![0.0; days.len()];
        for s in series {
            let bars: Vec<_> = (0..days.len())
                .filter(|&i| s.values[i] > 0.0)
                .map(|i| {
                    let x = i as f64;
                    let (y0, y1) = (base[i], base[i] + s.values[i]);
                    Rectangle::new([(x - half_width, y0), (x + half_width, y1)], s.color.filled())
                })
                .collect();
            chart.draw_series(bars)?;
            for (b, v) in base.iter_mut().zip(&s.values) {
                *b += v;
            }
        }
        Ok(())
    })
}

/// The step points of the empirical CDF of `values` (sorted here).
pub(crate) fn ecdf_steps(values: &[f64]) -> Vec<(f64, f64)> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mut points = Vec::with_capacity(2 * sorted.len());
    for (i, v) in sorted.iter().enumerate() {
        points.push((*v, i as f64 / n));
        points.push((*v, (i + 1) as f64 / n));
    }
    points
}

/// An ECDF plot of several samples over `x_range` with ticks `x_ticks`.
///
/// `x_fmt` labels the ticks; values are drawn as given, so a log scale is
/// obtained by passing log10 values with ticks labelled as powers.
#[allow(clippy::too_many_arguments)] // One call site per plot; a struct would only rename them.
pub(crate) fn ecdf_plot(
    plot: &'static str,
    title: &str,
    x_desc: &str,
    x_range: (f64, f64),
    x_ticks: Vec<f64>,
    x_fmt: &dyn Fn(&f64) -> String,
    series: &[Series<'_>],
) -> Result<String> {
    render_svg(plot, title, (540, 320), |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(title, (FONT, CAPTION_SIZE).into_font().color(&color::INK))
            .margin(12)
            // The last x tick label (e.g. "10000" on the log size axis) is
            // centred on the plot's right edge: leave room for its half.
            .margin_right(28)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(
                Axis::new(x_range.0, x_range.1, x_ticks),
                Axis::new(0.0, 1.02, vec![0.0, 0.25, 0.5, 0.75, 1.0]),
            )?;
        let y_fmt = |y: &f64| format!("{y}");
        chart
            .configure_mesh()
            .bold_line_style(color::LIGHT)
            .axis_style(color::GREY)
            .label_style((FONT, LABEL_SIZE).into_font().color(&color::INK))
            .x_label_formatter(x_fmt)
            .y_label_formatter(&y_fmt)
            .x_desc(x_desc)
            .y_desc("share of clusters ≤ x")
            .draw()?;
        for s in series {
            let mut points = ecdf_steps(&s.values);
            if points.is_empty() {
                continue;
            }
            points.insert(0, (x_range.0, 0.0));
            points.push((x_range.1, 1.0));
            chart.draw_series(LineSeries::new(points, s.color.stroke_width(2)))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_ticks_are_round_and_cover_the_maximum() {
        // max 37: raw step 7.4 -> 10; top = ceil(38.85 / 10) * 10 = 40.
        let (top, ticks) = count_ticks(37.0);
        assert_eq!(top, 40.0);
        assert_eq!(ticks, vec![0.0, 10.0, 20.0, 30.0, 40.0]);
        // Small counts keep integer steps.
        let (top, ticks) = count_ticks(2.0);
        assert_eq!((top, ticks.len()), (3.0, 4));
        // Zero and NaN fall back to a unit axis.
        assert_eq!(count_ticks(0.0).0, 2.0);
        assert_eq!(count_ticks(f64::NAN).0, 2.0);
    }

    #[test]
    fn day_ticks_thin_out_long_runs() {
        assert_eq!(day_ticks(3, 9), vec![0.0, 1.0, 2.0]);
        assert_eq!(day_ticks(190, 9).len(), 9);
        assert!(day_ticks(0, 9).is_empty());
    }

    #[test]
    fn ecdf_steps_climb_to_one() {
        let steps = ecdf_steps(&[0.5, -0.2]);
        assert_eq!(steps, vec![(-0.2, 0.0), (-0.2, 0.5), (0.5, 0.5), (0.5, 1.0)]);
    }

    #[test]
    fn svg_gets_a_title_and_class() {
        let svg = render_svg("t", "a <b>", (10, 10), |_| Ok(())).unwrap();
        assert!(svg.starts_with("<svg class=\"plot\" data-plot=\"t\""));
        assert!(svg.contains("<title>a &lt;b&gt;</title>"));
    }
}
