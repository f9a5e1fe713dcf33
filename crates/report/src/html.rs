//! Assembles the page: header, novel clusters, trends, lineages, details.

use crate::error::Result;
use crate::lineage::{self, MAX_LINEAGE_ROWS};
use crate::model::{
    Count, DaySummary, LinkKind, NovelCluster, NoveltyStatus, ReportInput, SCHEMA_VERSION,
};
use crate::novel::{self, MAX_RASTER_ROWS};
use crate::plots::{self, Series, color};

/// At most this many novel clusters get a detail section; the table lists all.
pub const MAX_NOVEL_DETAILS: usize = 30;

/// The page's style sheet: inline, no web fonts, prints on A4 too.
const CSS: &str = r#"
:root { --ink:#282828; --muted:#666; --line:#ddd; --accent:#d55e00; --bg:#fafafa; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); background: #fff; margin: 0; }
header, main, footer, nav { max-width: 1180px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 28px 0 8px; padding-bottom: 4px;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 6px; }
p.meta, p.note, figcaption, .empty { color: var(--muted); }
p.note, figcaption { font-size: 13.5px; }
span.cut, p.cut { color: var(--muted); font-size: 12.5px; }
nav { position: sticky; top: 0; background: rgba(255,255,255,.95);
  border-bottom: 1px solid var(--line);
  padding-top: 6px; padding-bottom: 6px; z-index: 1; }
nav a { margin-right: 18px; color: #0072b2; text-decoration: none; font-weight: 600; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 108px;
  background: var(--bg); }
.kpi .v { display: block; font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; }
.kpi .k { display: block; font-size: 12.5px; color: var(--muted); }
.kpi.alert { border-color: var(--accent); background: #fff3ea; }
.kpi.alert .v { color: var(--accent); }
table { border-collapse: collapse; font-size: 13.5px; margin: 6px 0 12px; }
th, td { padding: 3px 9px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fcfcfc; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
details { margin: 8px 0; }
.scroll { overflow-x: auto; }
.scroll td { white-space: nowrap; }
summary { cursor: pointer; color: #0072b2; }
figure { margin: 10px 0 18px; }
svg.plot { max-width: 100%; height: auto; display: block; }
.pair { display: flex; flex-wrap: wrap; gap: 12px; }
.pair figure { flex: 1 1 520px; }
.key { display: inline-block; margin-right: 14px; white-space: nowrap; }
.key i { display: inline-block; width: 12px; height: 12px; margin-right: 5px;
  vertical-align: -1px; border-radius: 2px; }
.key i.ramp { width: 90px; margin: 0 4px; }
.key i.line { height: 3px; vertical-align: 3px; }
.key i.dash { height: 0; border-top: 3px dashed #999; background: none !important;
  vertical-align: 3px; }
.key i.tri { width: 0; height: 0; border-left: 6px solid transparent;
  border-right: 6px solid transparent;
  border-bottom: 11px solid var(--accent); background: none !important; border-radius: 0; }
article.novel { border: 1px solid var(--line); border-left: 4px solid var(--accent);
  border-radius: 4px;
  padding: 4px 16px 8px; margin: 14px 0; }
.tables { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; background: #fff3ea;
  color: var(--accent);
  font-weight: 600; font-size: 12.5px; }
.badge.confirmed { border: 1px solid var(--accent); }
.badge.pending { background: #fff; color: var(--muted); border: 1px dashed var(--muted); }
article.novel.pending { border-left-style: dashed; }
td .badge { white-space: nowrap; border-radius: 6px; line-height: 1.3; }
footer { margin-top: 30px; padding-bottom: 30px; color: var(--muted); font-size: 13px;
  border-top: 1px solid var(--line); }
@media print { nav { display: none; } }
"#;

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// A count with thousands separators: `1234567` gives `1,234,567`.
pub(crate) fn num(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A share in `[0, 1]` as a percentage.
fn pct(share: f64) -> String {
    format!("{:.1} %", 100.0 * share)
}

/// An optional silhouette, with a dash when undefined.
fn silhouette_text(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{v:.2}"),
        _ => "–".to_owned(),
    }
}

/// The label of day `idx`, or a placeholder if the input lacks it.
fn day_name(input: &ReportInput, idx: usize) -> &str {
    input.days.get(idx).map_or("?", |d| d.day.as_str())
}

/// The HTML anchor of a novel cluster's detail section.
fn novel_anchor(novel: &NovelCluster) -> String {
    format!("novel-{}-{}", novel.lineage_id, novel.day_idx)
}

/// Whether the run confirms novelty on later days: some novel cluster has a
/// status or some day rejected a candidate. The page then shows statuses.
fn confirms_novelty(input: &ReportInput) -> bool {
    input.novel_clusters.iter().any(|c| c.status.is_some())
        || input.days.iter().any(|d| d.n_novel_rejected > 0)
}

/// The status of a novel cluster as a badge: words, never colour alone.
/// `brk` goes between the words' two halves: a space, or a line break to
/// keep the tables narrow. Only for runs that confirm novelty
/// ([`confirms_novelty`]), where a flag without a status was final at once
/// (a well-separated cluster).
fn status_badge(input: &ReportInput, c: &NovelCluster, brk: &str) -> String {
    match c.status {
        Some(NoveltyStatus::Confirmed) => format!(
            "<span class=\"badge confirmed\" data-status=\"confirmed\">✓ confirmed{brk}on \
             {}</span>",
            escape(c.confirmed_on.map_or("?", |d| day_name(input, d)))
        ),
        Some(NoveltyStatus::Pending) => format!(
            "<span class=\"badge pending\" data-status=\"pending\">? awaiting{brk}confirmation\
             </span>"
        ),
        None => format!(
            "<span class=\"badge confirmed\" data-status=\"final\">✓ final{brk}at once</span>"
        ),
    }
}

/// One coloured legend entry; `shape` is a CSS class (`line`, `dash`, `tri` or empty).
fn key(name: &str, c: plotters::style::RGBColor, shape: &str) -> String {
    format!(
        "<span class=\"key\"><i class=\"{shape}\" style=\"background:{}\"></i>{}</span>",
        color::css(c),
        escape(name)
    )
}

/// A figure holding an SVG plot and its caption (caption is already HTML).
fn figure(id: &str, svg: &str, caption_html: &str) -> String {
    format!("<figure id=\"fig-{id}\">\n{svg}<figcaption>{caption_html}</figcaption>\n</figure>\n")
}

/// Renders the whole page. The input must have passed [`ReportInput::check`].
pub(crate) fn render(input: &ReportInput) -> Result<String> {
    let mut page = String::with_capacity(256 * 1024);
    page.push_str(&head(input));
    page.push_str(&header(input));
    page.push_str(
        "<nav><a href=\"#novel\">Novel clusters</a><a href=\"#trends\">Trends</a>\
         <a href=\"#lineages\">Lineages</a><a href=\"#details\">Cluster details</a>\
         </nav>\n<main>\n",
    );
    page.push_str(&novel_section(input));
    page.push_str(&trends_section(input)?);
    page.push_str(&lineage_section(input)?);
    page.push_str(&details_section(input)?);
    page.push_str(&format!(
        "</main>\n<footer><p>Made by darkdca-report, input schema version {SCHEMA_VERSION}. \
         How to read this page: <code>docs/REPORT.md</code>. The page is self-contained and \
         loads nothing from the network.</p></footer>\n</body>\n</html>\n"
    ));
    Ok(page)
}

/// The document head with the title and style sheet.
fn head(input: &ReportInput) -> String {
    let span = match (input.days.first(), input.days.last()) {
        (Some(first), Some(last)) => format!(" {} to {}", first.day, last.day),
        _ => String::new(),
    };
    let name =
        if input.run.name.is_empty() { String::new() } else { format!(" {}", input.run.name) };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>darkdca report{}{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&name),
        escape(&span)
    )
}

/// One key figure box.
fn kpi(id: &str, value: &str, label: &str, alert: bool) -> String {
    let class = if alert { "kpi alert" } else { "kpi" };
    format!(
        "<div class=\"{class}\" data-kpi=\"{id}\"><span class=\"v\">{}</span>\
         <span class=\"k\">{}</span></div>\n",
        escape(value),
        escape(label)
    )
}

/// The header: run summary, the last day's key figures, parameters.
fn header(input: &ReportInput) -> String {
    let run = &input.run;
    let mut out = String::from("<header>\n");
    let title = if run.name.is_empty() {
        "darkdca report".to_owned()
    } else {
        format!("darkdca report: {}", run.name)
    };
    out.push_str(&format!("<h1>{}</h1>\n", escape(&title)));

    let mut meta = Vec::new();
    match (input.days.first(), input.days.last()) {
        (Some(first), Some(last)) => meta.push(format!(
            "{} day{}, {} to {}",
            input.days.len(),
            if input.days.len() == 1 { "" } else { "s" },
            escape(&first.day),
            escape(&last.day)
        )),
        _ => meta.push("no day processed yet".to_owned()),
    }
    if !run.preset.is_empty() {
        meta.push(format!("preset <b>{}</b>", escape(&run.preset)));
    }
    if !run.tool_version.is_empty() {
        meta.push(escape(&run.tool_version));
    }
    meta.push(format!("state format {}", run.state_format_version));
    if !run.generated_at.is_empty() {
        meta.push(format!("generated {}", escape(&run.generated_at)));
    }
    out.push_str(&format!("<p class=\"meta\">{}</p>\n", meta.join(" · ")));

    out.push_str(&key_figures(input));

    if !run.params.is_empty() || !run.sources.is_empty() {
        out.push_str("<details><summary>Run parameters and sources</summary>\n");
        if !run.params.is_empty() {
            out.push_str("<table id=\"params\"><tr><th>parameter</th><th>value</th></tr>\n");
            for p in &run.params {
                out.push_str(&format!(
                    "<tr><td><code>{}</code></td><td>{}</td></tr>\n",
                    escape(&p.name),
                    escape(&p.value)
                ));
            }
            out.push_str("</table>\n");
        }
        if !run.sources.is_empty() {
            out.push_str("<p>Sources:</p><ul>\n");
            for s in &run.sources {
                out.push_str(&format!("<li><code>{}</code></li>\n", escape(s)));
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</details>\n");
    }
    out.push_str("</header>\n");
    out
}

/// The key figures of the last day and of the run.
fn key_figures(input: &ReportInput) -> String {
    let Some(last) = input.last_day() else {
        return String::new();
    };
    let last_idx = input.days.len() - 1;
    let alive =
        input.lineages.iter().filter(|l| l.presence.iter().any(|p| p.day_idx == last_idx)).count();
    let t = &last.transitions;
    let mut out = format!("<p class=\"note\">Last day, <b>{}</b>:</p>\n", escape(&last.day));
    out.push_str("<div class=\"kpis\">\n");
    let confirming = confirms_novelty(input);
    if confirming {
        // The last day's flags are candidates; what an analyst acts on is
        // what was confirmed today.
        let pending = input
            .novel_clusters
            .iter()
            .filter(|c| c.day_idx == last_idx && c.status == Some(NoveltyStatus::Pending))
            .count() as u64;
        let label = if pending > 0 {
            "novel candidates, awaiting confirmation"
        } else {
            "novel candidates"
        };
        let confirmed = confirmed_on(input, last_idx).len() as u64;
        out.push_str(&kpi("confirmed", &num(confirmed), "novel confirmed today", confirmed > 0));
        out.push_str(&kpi("novel", &num(pending), label, false));
        out.push_str(&kpi("rejected", &num(last.n_novel_rejected), "candidates rejected", false));
    } else {
        out.push_str(&kpi("novel", &num(last.n_novel), "novel clusters", last.n_novel > 0));
    }
    out.push_str(&kpi("emerged", &num(last.n_emerged), "emerged clusters", false));
    out.push_str(&kpi("clusters", &num(last.n_clusters), "clusters", false));
    out.push_str(&kpi("active", &num(last.n_active), "active senders", false));
    out.push_str(&kpi("noise", &num(last.n_noise), "noise senders", false));
    out.push_str(&kpi("senders", &num(last.n_senders), "senders seen", false));
    out.push_str(&kpi("packets", &num(last.n_packets), "packets", false));
    out.push_str(&kpi(
        "lineages",
        &format!("{alive} / {}", input.lineages.len()),
        "lineages alive / all",
        false,
    ));
    out.push_str("</div>\n");
    out.push_str(&format!(
        "<p class=\"note\" data-transitions>Yesterday's {} clusters: {} survived, {} split, \
         {} absorbed, \
         {} disappeared, {} inactive.</p>\n",
        num(t.total()),
        num(t.survived),
        num(t.split),
        num(t.absorbed),
        num(t.disappeared),
        num(t.inactive)
    ));
    if confirming {
        let confirmed = confirmed_on(input, last_idx).len() as u64;
        out.push_str(&format!(
            "<p class=\"note\" data-decisions>Novelty decisions today on earlier candidates: \
             {} confirmed, {} rejected.</p>\n",
            num(confirmed),
            num(last.n_novel_rejected)
        ));
    }
    out
}

/// The novel clusters confirmed on day `day_idx`.
/// Novel clusters confirmed on day `day_idx`: candidates of earlier days,
/// and, in a run that confirms novelty, the day's flags that were final at
/// once.
fn confirmed_on(input: &ReportInput, day_idx: usize) -> Vec<&NovelCluster> {
    let confirming = confirms_novelty(input);
    input
        .novel_clusters
        .iter()
        .filter(|c| {
            c.confirmed_on == Some(day_idx)
                || (confirming && c.status.is_none() && c.day_idx == day_idx)
        })
        .collect()
}

/// The top entry of a count table as `key (share)`.
fn top_entry(counts: &[Count], total: u64) -> String {
    match counts.first() {
        Some(c) if total > 0 => {
            format!("{} ({:.0} %)", escape(&c.key), 100.0 * c.n_packets as f64 / total as f64)
        }
        Some(c) => escape(&c.key),
        None => "–".to_owned(),
    }
}

/// A table of novel clusters, one row each, with a status column when the
/// run confirms novelty.
///
/// `first` is the position of the first row in [`novel_order`]: only the first
/// [`MAX_NOVEL_DETAILS`] clusters of that order have a detail section to link to.
fn novel_table(input: &ReportInput, id: &str, clusters: &[&NovelCluster], first: usize) -> String {
    let confirming = confirms_novelty(input);
    let status_head = if confirming { "<th>status</th>" } else { "" };
    let mut out = format!(
        "<div class=\"scroll\"><table id=\"{id}\"><tr><th>lineage</th><th>day</th>\
         {status_head}<th class=\"n\">senders</th>\
         <th class=\"n\">packets</th><th>top service</th><th>top /24</th><th>top /16</th>\
         <th class=\"n\">Mirai-like</th><th class=\"n\">silhouette</th><th>label</th></tr>\n"
    );
    for (i, c) in clusters.iter().enumerate() {
        let p = &c.profile;
        let link = if first + i < MAX_NOVEL_DETAILS {
            format!("<a href=\"#{}\">#{}</a>", novel_anchor(c), c.lineage_id)
        } else {
            format!("#{}", c.lineage_id)
        };
        let status = if confirming {
            format!("<td>{}</td>", status_badge(input, c, "<br/>"))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "<tr><td>{link}</td><td>{}</td>{status}<td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>\n",
            escape(day_name(input, c.day_idx)),
            size_text(c),
            num(p.n_packets),
            top_entry(&p.top_services, p.n_packets),
            top_entry(&p.top_prefixes24, p.n_packets),
            top_entry(&p.top_prefixes16, p.n_packets),
            pct(p.mirai_share),
            silhouette_text(c.silhouette),
            c.majority_label.as_deref().map_or_else(|| "–".to_owned(), escape),
        ));
    }
    out.push_str("</table></div>\n");
    out
}

/// A novel cluster's size, with the members cut from it if any.
fn size_text(c: &NovelCluster) -> String {
    match c.cut {
        Some(cut) => format!(
            "{} <span class=\"cut\" title=\"members cut from a new cluster and reported as \
             noise\">+{} cut</span>",
            num(c.size),
            num(cut.n_fringe)
        ),
        None => num(c.size),
    }
}

/// Where a novel cluster is listed: 0 among those confirmed on the last day,
/// 1 among those flagged on the last day, 2 among the earlier ones.
fn novel_group(c: &NovelCluster, last_idx: usize, confirming: bool) -> u8 {
    let final_today = confirming && c.status.is_none() && c.day_idx == last_idx;
    if c.confirmed_on == Some(last_idx) || final_today {
        0
    } else if c.day_idx == last_idx {
        1
    } else {
        2
    }
}

/// Novel clusters in the order the page lists them: those confirmed on the
/// last day, then those flagged on it, then the others, newer days first
/// and larger clusters first within a day.
pub(crate) fn novel_order(input: &ReportInput) -> Vec<&NovelCluster> {
    let last_idx = input.days.len().saturating_sub(1);
    let confirming = confirms_novelty(input);
    let mut all: Vec<&NovelCluster> = input.novel_clusters.iter().collect();
    all.sort_by_key(|c| {
        (
            novel_group(c, last_idx, confirming),
            std::cmp::Reverse(c.day_idx),
            std::cmp::Reverse(c.size),
            c.lineage_id,
        )
    });
    all
}

/// The most actionable part: the last day's novel clusters, then earlier ones.
fn novel_section(input: &ReportInput) -> String {
    let mut out = String::from("<section id=\"novel\">\n");
    let Some(last) = input.last_day() else {
        out.push_str(
            "<h2>Novel clusters</h2>\n<p class=\"empty\">No day has been processed yet.</p>\n\
             </section>\n",
        );
        return out;
    };
    let last_idx = input.days.len() - 1;
    let confirming = confirms_novelty(input);
    let ordered = novel_order(input);
    let group = |g: u8| -> Vec<&NovelCluster> {
        ordered.iter().copied().filter(|c| novel_group(c, last_idx, confirming) == g).collect()
    };
    let (confirmed, today, earlier) = (group(0), group(1), group(2));

    out.push_str(&format!("<h2>Novel clusters on {}</h2>\n", escape(&last.day)));
    if confirming {
        out.push_str(&last_day_candidates(input, &confirmed, &today));
    } else if today.is_empty() {
        out.push_str(
            "<p class=\"empty\" id=\"no-novel-today\">No novel cluster on the last day.</p>\n",
        );
    } else {
        out.push_str(
            "<p class=\"note\">Clusters that matched no cluster of the previous day and no earlier \
             lineage. Shares are of the cluster's packets that day.</p>\n",
        );
        out.push_str(&novel_table(input, "novel-today", &today, 0));
    }
    if !earlier.is_empty() {
        out.push_str(&format!("<h3>Earlier novel clusters ({})</h3>\n", earlier.len()));
        out.push_str(&novel_table(input, "novel-earlier", &earlier, confirmed.len() + today.len()));
    }
    out.push_str("</section>\n");
    out
}

/// The last day's part of the novel section when novelty needs
/// confirmation: candidates confirmed today (flagged earlier), then today's
/// candidates, then how many earlier candidates were rejected today.
fn last_day_candidates(
    input: &ReportInput,
    confirmed: &[&NovelCluster],
    today: &[&NovelCluster],
) -> String {
    let Some(last) = input.last_day() else {
        return String::new();
    };
    let mut out = format!("<h3>Confirmed today ({})</h3>\n", confirmed.len());
    if confirmed.is_empty() {
        out.push_str(
            "<p class=\"empty\" id=\"no-confirmed-today\">No novel cluster was confirmed on \
             the last day.</p>\n",
        );
    } else {
        out.push_str(
            "<p class=\"note\">Candidates flagged on an earlier day whose lineage has survived \
             since (or came back after falling silent), and clusters flagged today that are so \
             well separated from all others (by silhouette) that their novelty is final at \
             once: their novelty is confirmed. Shares are of the cluster's packets on the day \
             it was flagged.</p>\n",
        );
        out.push_str(&novel_table(input, "novel-confirmed", confirmed, 0));
    }

    let n_pending = today.iter().filter(|c| c.status == Some(NoveltyStatus::Pending)).count();
    let awaiting = if n_pending > 0 { ", awaiting confirmation" } else { "" };
    out.push_str(&format!("<h3>Novel candidates flagged today ({}{awaiting})</h3>\n", today.len()));
    if today.is_empty() {
        out.push_str(
            "<p class=\"empty\" id=\"no-novel-today\">No novel candidate on the last day.</p>\n",
        );
    } else {
        out.push_str(
            "<p class=\"note\">Clusters that matched no cluster of the previous day and no earlier \
             lineage. A candidate is confirmed once its lineage has survived the following \
             day(s) the run requires, and rejected if it splits, is absorbed, disappears or \
             stays silent longer than the run waits first; a group that falls silent and \
             comes back counts its return as a survived day. Shares are of the cluster's \
             packets that day.</p>\n",
        );
        out.push_str(&novel_table(input, "novel-today", today, confirmed.len()));
    }
    if last.n_novel_rejected > 0 {
        out.push_str(&format!(
            "<p class=\"note\" data-rejected=\"{0}\">{0} candidate{1} of earlier days \
             {2} rejected today and {3} not listed.</p>\n",
            num(last.n_novel_rejected),
            if last.n_novel_rejected == 1 { "" } else { "s" },
            if last.n_novel_rejected == 1 { "was" } else { "were" },
            if last.n_novel_rejected == 1 { "is" } else { "are" },
        ));
    }
    out
}

/// The values of one day field as plot values.
fn per_day(days: &[DaySummary], f: impl Fn(&DaySummary) -> u64) -> Vec<f64> {
    days.iter().map(|d| f(d) as f64).collect()
}

/// Trend plots over the days, the ECDFs, and the per-day table.
fn trends_section(input: &ReportInput) -> Result<String> {
    let days = &input.days;
    let mut out = String::from("<section id=\"trends\">\n<h2>Trends</h2>\n");
    if days.is_empty() {
        out.push_str("<p class=\"empty\">No day has been processed yet.</p>\n</section>\n");
        return Ok(out);
    }

    let clusters =
        [Series { name: "clusters", color: color::BLUE, values: per_day(days, |d| d.n_clusters) }];
    let svg = plots::day_lines("clusters", "Clusters per day", "clusters", days, &clusters)?;
    out.push_str(&figure("clusters", &svg, "Number of clusters found each day."));

    let senders = [
        Series {
            name: "clustered",
            color: color::BLUE,
            values: per_day(days, |d| d.n_active.saturating_sub(d.n_noise)),
        },
        Series { name: "noise", color: color::GREY, values: per_day(days, |d| d.n_noise) },
    ];
    let svg = plots::day_stacked("senders", "Active senders per day", "senders", days, &senders)?;
    let caption = format!(
        "{}{} Active senders are those above the activity threshold; noise is the part left \
         unclustered.",
        key("in a cluster", color::BLUE, ""),
        key("noise", color::GREY, "")
    );
    out.push_str(&figure("senders", &svg, &caption));

    let transitions = [
        Series {
            name: "survived",
            color: color::BLUE,
            values: per_day(days, |d| d.transitions.survived),
        },
        Series {
            name: "split",
            color: color::ORANGE,
            values: per_day(days, |d| d.transitions.split),
        },
        Series {
            name: "absorbed",
            color: color::PURPLE,
            values: per_day(days, |d| d.transitions.absorbed),
        },
        Series {
            name: "disappeared",
            color: color::VERMILLION,
            values: per_day(days, |d| d.transitions.disappeared),
        },
        Series {
            name: "inactive",
            color: color::GREY,
            values: per_day(days, |d| d.transitions.inactive),
        },
    ];
    let svg = plots::day_stacked(
        "transitions",
        "Transitions of the previous day's clusters",
        "clusters",
        days,
        &transitions,
    )?;
    let mut caption: String = transitions.iter().map(|s| key(s.name, s.color, "")).collect();
    caption.push_str(
        " Each bar splits the previous day's clusters by what became of them (none on the \
         first day).",
    );
    out.push_str(&figure("transitions", &svg, &caption));

    let births = [
        Series { name: "emerged", color: color::SKY, values: per_day(days, |d| d.n_emerged) },
        Series { name: "novel", color: color::VERMILLION, values: per_day(days, |d| d.n_novel) },
    ];
    let svg = plots::day_lines(
        "births",
        "Emerged and novel clusters per day",
        "clusters",
        days,
        &births,
    )?;
    let mut caption = format!(
        "{}{} Emerged: no match among the previous day's clusters. Novel: emerged and no \
         match in the history either.",
        key("emerged", color::SKY, "line"),
        key("novel", color::VERMILLION, "line")
    );
    if confirms_novelty(input) {
        caption.push_str(
            " Novel counts confirmed candidates and those awaiting confirmation, on the day \
             they were flagged; rejected candidates are left out.",
        );
    }
    out.push_str(&figure("births", &svg, &caption));

    out.push_str(&ecdfs(input)?);
    out.push_str(&day_table(days, confirms_novelty(input)));
    out.push_str("</section>\n");
    Ok(out)
}

/// The two ECDF plots side by side, or a note when there is no cluster.
fn ecdfs(input: &ReportInput) -> Result<String> {
    let days = &input.days;
    let last = days.len() - 1;
    let finite = |d: &DaySummary| -> Vec<f64> {
        d.silhouettes.iter().filter_map(|s| *s).filter(|s| s.is_finite()).collect()
    };
    let sil_all: Vec<f64> = days.iter().flat_map(finite).collect();
    let sil_last = finite(&days[last]);
    let n_undefined: usize = days
        .iter()
        .map(|d| d.silhouettes.iter().filter(|s| !s.is_some_and(f64::is_finite)).count())
        .sum();
    let size_all: Vec<f64> =
        days.iter().flat_map(|d| d.cluster_sizes.iter().map(|&s| s as f64)).collect();
    let size_last: Vec<f64> = days[last].cluster_sizes.iter().map(|&s| s as f64).collect();

    let legend = format!(
        "{}{}",
        key("all days", color::BLUE, "line"),
        key(&format!("last day ({})", days[last].day), color::VERMILLION, "line")
    );
    let mut out = String::from("<div class=\"pair\">\n");

    if sil_all.is_empty() {
        out.push_str(
            "<figure id=\"fig-ecdf-silhouette\"><p class=\"empty\">No silhouette to show: no \
             cluster has one.</p></figure>\n",
        );
    } else {
        let series = [
            Series { name: "all days", color: color::BLUE, values: sil_all.clone() },
            Series { name: "last day", color: color::VERMILLION, values: sil_last },
        ];
        let fmt = |x: &f64| format!("{x}");
        let svg = plots::ecdf_plot(
            "ecdf-silhouette",
            "ECDF of cluster silhouette",
            "mean silhouette of a cluster",
            (-1.0, 1.0),
            vec![-1.0, -0.5, 0.0, 0.5, 1.0],
            &fmt,
            &series,
        )?;
        let mut caption = format!("{legend} {} cluster silhouettes.", sil_all.len());
        if n_undefined > 0 {
            caption.push_str(&format!(
                " <span data-skipped-silhouettes=\"{n_undefined}\">{n_undefined} undefined \
                 (NaN or missing) skipped.</span>"
            ));
        }
        caption.push_str(" Curves further right mean better separated clusters.");
        out.push_str(&figure("ecdf-silhouette", &svg, &caption));
    }

    if size_all.is_empty() {
        out.push_str(
            "<figure id=\"fig-ecdf-size\"><p class=\"empty\">No cluster size to show: no \
             cluster found.</p></figure>\n",
        );
    } else {
        let logs = |v: &[f64]| -> Vec<f64> { v.iter().map(|s| s.max(1.0).log10()).collect() };
        let lo = logs(&size_all).iter().copied().fold(f64::INFINITY, f64::min).floor();
        let mut hi = logs(&size_all).iter().copied().fold(f64::NEG_INFINITY, f64::max).ceil();
        if hi <= lo {
            hi = lo + 1.0;
        }
        let ticks = log_ticks(lo, hi);
        let series = [
            Series { name: "all days", color: color::BLUE, values: logs(&size_all) },
            Series { name: "last day", color: color::VERMILLION, values: logs(&size_last) },
        ];
        let fmt = |x: &f64| format!("{}", 10f64.powf(*x).round());
        let svg = plots::ecdf_plot(
            "ecdf-size",
            "ECDF of cluster size",
            "senders in a cluster (log scale)",
            (lo, hi),
            ticks,
            &fmt,
            &series,
        )?;
        let caption = format!("{legend} {} clusters over all days.", size_all.len());
        out.push_str(&figure("ecdf-size", &svg, &caption));
    }
    out.push_str("</div>\n");
    Ok(out)
}

/// Ticks for a log10 axis from `lo` to `hi` (whole decades): each decade,
/// plus 2 and 5 times it when the axis spans few decades.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    let mut e = lo;
    while e <= hi + 1e-9 {
        ticks.push(e);
        if hi - lo <= 2.0 && e < hi {
            ticks.push(e + 2f64.log10());
            ticks.push(e + 5f64.log10());
        }
        e += 1.0;
    }
    ticks
}

/// The per-day figures as a table, folded by default; with `rejected`, a
/// last column of novelty candidates rejected each day.
fn day_table(days: &[DaySummary], rejected: bool) -> String {
    let mut out = String::from(
        "<details><summary>Figures per day</summary>\n\
         <div class=\"scroll\"><table id=\"days\"><tr><th>day</th>\
         <th class=\"n\">packets</th><th class=\"n\">senders</th><th class=\"n\">active</th>\
         <th class=\"n\">clusters</th><th class=\"n\">noise</th><th class=\"n\">survived</th>\
         <th class=\"n\">split</th><th class=\"n\">absorbed</th><th class=\"n\">disappeared</th>\
         <th class=\"n\">inactive</th><th class=\"n\">emerged</th>\
         <th class=\"n\">novel</th>",
    );
    if rejected {
        out.push_str("<th class=\"n\">rejected candidates</th>");
    }
    out.push_str("</tr>\n");
    for d in days {
        let t = &d.transitions;
        let cells = [
            d.n_packets,
            d.n_senders,
            d.n_active,
            d.n_clusters,
            d.n_noise,
            t.survived,
            t.split,
            t.absorbed,
            t.disappeared,
            t.inactive,
            d.n_emerged,
            d.n_novel,
        ];
        out.push_str(&format!("<tr><td>{}</td>", escape(&d.day)));
        for c in cells {
            out.push_str(&format!("<td class=\"n\">{}</td>", num(c)));
        }
        if rejected {
            out.push_str(&format!("<td class=\"n\">{}</td>", num(d.n_novel_rejected)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table></div>\n</details>\n");
    out
}

/// The lineage chart with its legend and what was left out.
fn lineage_section(input: &ReportInput) -> Result<String> {
    let mut out = String::from("<section id=\"lineages\">\n<h2>Lineages</h2>\n");
    if input.days.is_empty() || input.lineages.is_empty() {
        out.push_str(
            "<p class=\"empty\">No lineage yet: no cluster has been found.</p>\n</section>\n",
        );
        return Ok(out);
    }
    let rows = lineage::select_rows(input);
    let svg = lineage::lineage_svg(input, &rows)?;
    let mut caption =
        String::from("One row per lineage (global cluster id), bars where it was alive, ");
    caption.push_str(&format!(
        "shaded by cluster size: <span class=\"key\">{} <i class=\"ramp\" style=\"background:\
         linear-gradient(to right, {}, {})\"></i> {} senders</span> (log scale). ",
        num(rows.min_size),
        color::css(lineage::shade_color(0)),
        color::css(lineage::shade_color(lineage::N_SHADES - 1)),
        num(rows.max_size)
    ));
    for kind in LinkKind::ALL {
        let shape = if kind == LinkKind::Reidentified { "dash" } else { "line" };
        caption.push_str(&key(kind.as_str(), lineage::link_color(kind), shape));
    }
    caption.push_str(&key("novel birth", color::VERMILLION, "tri"));
    caption.push_str(" The shaded column is the last day.");
    if rows.n_hidden > 0 {
        caption.push_str(&format!(
            " <b data-hidden-lineages=\"{0}\">{0} of {1} lineages not shown</b> (at most {2} rows: \
             novel lineages first, then those alive on the last day, then the largest); \
             {3} links touch a hidden lineage.",
            rows.n_hidden,
            input.lineages.len(),
            MAX_LINEAGE_ROWS,
            rows.n_hidden_links
        ));
    }
    out.push_str(&figure("lineages", &svg, &caption));
    out.push_str("</section>\n");
    Ok(out)
}

/// A small top-N table of a profile.
fn count_table(title: &str, counts: &[Count], total: u64) -> String {
    let mut out = format!(
        "<table><tr><th>{}</th><th class=\"n\">packets</th><th class=\"n\">share</th></tr>\n",
        escape(title)
    );
    if counts.is_empty() {
        out.push_str("<tr><td colspan=\"3\" class=\"empty\">none recorded</td></tr>\n");
    }
    for c in counts {
        let share =
            if total > 0 { pct(c.n_packets as f64 / total as f64) } else { "–".to_owned() };
        out.push_str(&format!(
            "<tr><td class=\"mono\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{share}</td></tr>\n",
            escape(&c.key),
            num(c.n_packets)
        ));
    }
    out.push_str("</table>\n");
    out
}

/// One section per novel cluster (capped), with profile tables and plots.
fn details_section(input: &ReportInput) -> Result<String> {
    let mut out = String::from("<section id=\"details\">\n<h2>Novel cluster details</h2>\n");
    let ordered = novel_order(input);
    if ordered.is_empty() {
        out.push_str("<p class=\"empty\">No novel cluster in this run.</p>\n</section>\n");
        return Ok(out);
    }
    if ordered.len() > MAX_NOVEL_DETAILS {
        out.push_str(&format!(
            "<p class=\"note\" data-hidden-details=\"{0}\">Showing the {1} most recent of \
             {2} novel \
             clusters; {0} more are listed in the tables above only.</p>\n",
            ordered.len() - MAX_NOVEL_DETAILS,
            MAX_NOVEL_DETAILS,
            ordered.len()
        ));
    }
    for c in ordered.iter().take(MAX_NOVEL_DETAILS) {
        out.push_str(&novel_article(input, c)?);
    }
    out.push_str("</section>\n");
    Ok(out)
}

/// The detail section of one novel cluster.
fn novel_article(input: &ReportInput, c: &NovelCluster) -> Result<String> {
    let p = &c.profile;
    let day = day_name(input, c.day_idx);
    let alive = input.lineages.iter().find(|l| l.id == c.lineage_id).map_or(0, |l| {
        l.presence.iter().map(|p| p.day_idx).collect::<std::collections::BTreeSet<_>>().len()
    });
    let (class, flag) = match c.status {
        Some(NoveltyStatus::Pending) => ("novel pending", "novel candidate on"),
        Some(NoveltyStatus::Confirmed) | None => ("novel", "novel on"),
    };
    let status = if c.status.is_some() || confirms_novelty(input) {
        format!(" {}", status_badge(input, c, " "))
    } else {
        String::new()
    };
    let mut out = format!(
        "<article class=\"{class}\" id=\"{}\">\n\
         <h3>Lineage #{} <span class=\"badge\">{flag} {}</span>{status}</h3>\n",
        novel_anchor(c),
        c.lineage_id,
        escape(day)
    );
    let label = c.majority_label.as_deref().map_or_else(|| "none".to_owned(), escape);
    out.push_str(&format!(
        "<p>{} senders · {} packets · Mirai-like {} · silhouette {} · label {} · \
         alive on {} day{} so far</p>\n",
        num(c.size),
        num(p.n_packets),
        pct(p.mirai_share),
        silhouette_text(c.silhouette),
        label,
        alive,
        if alive == 1 { "" } else { "s" }
    ));
    if let Some(cut) = c.cut {
        out.push_str(&format!(
            "<p class=\"cut\">Cut to its core: {} more member{} that the clustering placed in \
             it with low probability {} reported as noise; its silhouette with them is {}.</p>\n",
            num(cut.n_fringe),
            if cut.n_fringe == 1 { "" } else { "s" },
            if cut.n_fringe == 1 { "is" } else { "are" },
            silhouette_text(cut.silhouette_whole),
        ));
    }
    out.push_str("<div class=\"tables\">\n");
    out.push_str(&count_table("service", &p.top_services, p.n_packets));
    if !p.top_protocols.is_empty() {
        out.push_str(&count_table("protocol", &p.top_protocols, p.n_packets));
    }
    out.push_str(&count_table("source /24", &p.top_prefixes24, p.n_packets));
    out.push_str(&count_table("source /16", &p.top_prefixes16, p.n_packets));
    out.push_str("</div>\n");

    if p.activity.iter().all(|&a| a == 0) {
        out.push_str(
            "<p class=\"empty\">No activity over the day recorded for this cluster.</p>\n",
        );
    } else {
        let title = if p.activity.len() == 24 {
            format!("#{}: packets per hour on {day} (UTC)", c.lineage_id)
        } else {
            format!("#{}: packets over {day} in {} equal bins", c.lineage_id, p.activity.len())
        };
        let svg = novel::activity_svg(&title, &p.activity)?;
        let id = format!("activity-{}", novel_anchor(c));
        out.push_str(&figure(&id, &svg, "All senders of the cluster together."));
    }

    let raster = &c.raster;
    if raster.senders.is_empty() || raster.columns.is_empty() {
        out.push_str("<p class=\"empty\">No activity raster recorded for this cluster.</p>\n");
    } else {
        let title = format!("#{}: activity of its senders", c.lineage_id);
        let svg = novel::raster_svg(&title, raster)?;
        let max = raster.n_packets.iter().flatten().copied().max().unwrap_or(0);
        let mut caption = format!(
            "One row per sender, busiest on top; darker cells for more packets (log scale, \
             up to {} \
             in one cell), blank for none.",
            num(max)
        );
        if raster.senders.len() > MAX_RASTER_ROWS {
            caption.push_str(&format!(
                " <b>{} of {} senders not shown.</b>",
                raster.senders.len() - MAX_RASTER_ROWS,
                raster.senders.len()
            ));
        }
        out.push_str(&figure(&format!("raster-{}", novel_anchor(c)), &svg, &caption));
    }
    out.push_str("</article>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn numbers_get_separators() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1000), "1,000");
        assert_eq!(num(1_234_567), "1,234,567");
    }

    #[test]
    fn log_ticks_add_midpoints_on_short_axes() {
        assert_eq!(log_ticks(1.0, 3.0).len(), 3 + 2 * 2);
        assert_eq!(log_ticks(0.0, 5.0), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    }
}
