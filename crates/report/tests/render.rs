//! Renders the committed sample and edge cases, and checks the page's structure.

use std::path::PathBuf;

use darkdca_report::{
    CoreCut, Count, DaySummary, Error, INDEX_FILE, Lineage, LineageLink, LinkKind,
    MAX_LINEAGE_ROWS, MAX_RASTER_ROWS, NovelCluster, NoveltyStatus, Presence, Profile, Raster,
    ReportInput, RunInfo, render_html, write_report,
};

mod common;

fn sample_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/report/sample_input.json")
}

fn sample() -> ReportInput {
    let text = std::fs::read_to_string(sample_path()).expect("the sample fixture is committed");
    ReportInput::from_json(&text).expect("the sample fixture is a valid input")
}

/// The text of the element carrying `data-kpi="id"`: its value span.
fn kpi(html: &str, id: &str) -> String {
    let start = html.find(&format!("data-kpi=\"{id}\"")).unwrap_or_else(|| panic!("kpi {id}"));
    let rest = &html[start..];
    let v = rest.find("class=\"v\">").unwrap() + "class=\"v\">".len();
    rest[v..v + rest[v..].find('<').unwrap()].to_owned()
}

/// The markup between `<table id="id"` and its `</table>`.
fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<table id=\"{id}\"")).unwrap_or_else(|| panic!("table {id}"));
    let len = html[start..].find("</table>").unwrap();
    &html[start..start + len]
}

/// Every in-page link points at an element that exists.
fn assert_links_resolve(html: &str) {
    for part in html.split("href=\"#").skip(1) {
        let target = &part[..part.find('"').unwrap()];
        assert!(html.contains(&format!("id=\"{target}\"")), "dangling link #{target}");
    }
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

#[test]
fn the_sample_has_every_plot_with_its_title() {
    let input = sample();
    let html = render_html(&input).unwrap();
    for (plot, title) in [
        ("clusters", "Clusters per day"),
        ("senders", "Active senders per day"),
        ("transitions", "Transitions of the previous day&#39;s clusters"),
        ("births", "Emerged and novel clusters per day"),
        ("ecdf-silhouette", "ECDF of cluster silhouette"),
        ("ecdf-size", "ECDF of cluster size"),
        ("lineages", "Lineages over time"),
    ] {
        assert_eq!(count(&html, &format!("data-plot=\"{plot}\"")), 1, "plot {plot}");
        assert!(html.contains(&format!("<title>{title}</title>")), "title of {plot}");
    }
    // One activity plot and one raster per novel cluster.
    let n_novel = input.novel_clusters.len();
    assert_eq!(count(&html, "data-plot=\"activity\""), n_novel);
    assert_eq!(count(&html, "data-plot=\"raster\""), n_novel);
    assert_eq!(count(&html, "<svg "), 7 + 2 * n_novel);
    assert_eq!(count(&html, "<svg "), count(&html, "</svg>"));
    assert_eq!(common::check_balanced(&html), Ok(()));
    assert_links_resolve(&html);
    // Axis labels are real text elements (no font back-end is needed).
    assert!(html.contains(">\n2026-03-01\n</text>"));
}

#[test]
fn the_summary_matches_the_input() {
    let input = sample();
    let html = render_html(&input).unwrap();
    let last = input.days.last().unwrap();
    assert_eq!(kpi(&html, "clusters"), last.n_clusters.to_string());
    assert_eq!(kpi(&html, "novel"), last.n_novel.to_string());
    assert_eq!(kpi(&html, "emerged"), last.n_emerged.to_string());
    assert_eq!(kpi(&html, "active"), format_thousands(last.n_active));
    assert_eq!(kpi(&html, "packets"), format_thousands(last.n_packets));
    let alive = input.lineages.iter().filter(|l| l.presence.iter().any(|p| p.day_idx == 9)).count();
    assert_eq!(kpi(&html, "lineages"), format!("{alive} / {}", input.lineages.len()));
    assert!(html.contains(&format!(
        "Yesterday's {} clusters: {} survived",
        last.transitions.total(),
        last.transitions.survived
    )));
    assert!(html.contains("10 days, 2026-03-01 to 2026-03-10"));

    // One row per day in the per-day table, plus the header row.
    let days = table(&html, "days");
    assert_eq!(count(days, "<tr>"), input.days.len() + 1);
    for d in &input.days {
        assert!(days.contains(&format!(
            "<tr><td>{}</td><td class=\"n\">{}</td>",
            d.day,
            format_thousands(d.n_packets)
        )));
    }

    // The last day's novel clusters come first, then the earlier ones.
    let today = input.novel_clusters.iter().filter(|c| c.day_idx == 9).count();
    assert_eq!(count(table(&html, "novel-today"), "<tr>"), today + 1);
    assert_eq!(
        count(table(&html, "novel-earlier"), "<tr>"),
        input.novel_clusters.len() - today + 1
    );
    assert!(html.find("id=\"novel-today\"").unwrap() < html.find("id=\"trends\"").unwrap());

    // Without confirmation there is no status anywhere.
    for absent in ["<th>status</th>", "data-status", "data-kpi=\"confirmed\"", "data-decisions"] {
        assert!(!html.contains(absent), "{absent}");
    }

    // The sample has one undefined silhouette; it is skipped and counted.
    assert!(html.contains("data-skipped-silhouettes=\"1\""));
    // A novel cluster with more senders than raster rows says so.
    let big =
        input.novel_clusters.iter().find(|c| c.raster.senders.len() > MAX_RASTER_ROWS).unwrap();
    assert!(html.contains(&format!(
        "{} of {} senders not shown",
        big.raster.senders.len() - MAX_RASTER_ROWS,
        big.raster.senders.len()
    )));
}

fn format_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn text_from_the_input_is_escaped() {
    let mut input = sample();
    input.run.name = "<script>alert('x')</script>".into();
    input.run.params.push(darkdca_report::Param::new("note", "a&b \"quoted\""));
    input.lineages[0].majority_label = Some("<i>evil</i>".into());
    let novel = &mut input.novel_clusters[0];
    novel.majority_label = Some("<img src=x onerror=alert(1)>".into());
    novel.profile.top_services[0].key = "\"><svg onload=alert(1)>".into();
    novel.raster.senders[0] = "<b>sender</b>".into();
    input.days[0].day = "<u>day</u>".into();

    let html = render_html(&input).unwrap();
    assert_eq!(common::check_balanced(&html), Ok(()));
    for raw in ["<script", "<i>evil", "<img", "<svg onload", "<b>sender", "<u>day"] {
        assert!(!html.contains(raw), "unescaped {raw}");
    }
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("a&amp;b &quot;quoted&quot;"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // Plotters escapes the text it writes into the SVG as well.
    assert!(html.contains("&lt;u&gt;day&lt;/u&gt;"));
    assert!(html.contains("&lt;b&gt;sender&lt;/b&gt;"));
}

#[test]
fn the_page_loads_nothing_from_the_network() {
    let html = render_html(&sample()).unwrap();
    let without_xmlns = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for needle in ["http://", "https://", "<script", "<link", "<img", "@import", "url(", "src="] {
        assert!(!without_xmlns.contains(needle), "found {needle}");
    }
}

#[test]
fn output_is_deterministic() {
    let input = sample();
    let a = render_html(&input).unwrap();
    let b = render_html(&input).unwrap();
    assert_eq!(a, b);
    // The same input after a JSON round trip gives the same page.
    let again = ReportInput::from_json(&input.to_json().unwrap()).unwrap();
    assert_eq!(render_html(&again).unwrap(), a);
}

#[test]
fn zero_days_render_a_page_with_notes() {
    let html = render_html(&ReportInput::new(RunInfo::default())).unwrap();
    assert!(html.contains("no day processed yet"));
    assert!(html.contains("No day has been processed yet."));
    assert!(html.contains("No lineage yet"));
    assert!(html.contains("No novel cluster in this run."));
    assert_eq!(count(&html, "<svg "), 0);
}

fn day(name: &str) -> DaySummary {
    DaySummary {
        day: name.into(),
        n_packets: 1000,
        n_senders: 50,
        n_active: 20,
        n_noise: 20,
        ..DaySummary::default()
    }
}

#[test]
fn one_day_without_clusters_renders() {
    let mut input = ReportInput::new(RunInfo::default());
    input.days.push(day("2026-01-01"));
    let html = render_html(&input).unwrap();
    assert!(html.contains("No novel cluster on the last day."));
    assert!(html.contains("No silhouette to show"));
    assert!(html.contains("No cluster size to show"));
    assert!(html.contains("No lineage yet"));
    // The four trend plots still draw, with one day on the axis.
    assert_eq!(count(&html, "<svg "), 4);
    assert!(html.contains(">\n2026-01-01\n</text>"));
}

#[test]
fn nan_silhouettes_are_skipped_and_counted() {
    let mut input = ReportInput::new(RunInfo::default());
    let mut d = day("2026-01-01");
    d.n_clusters = 3;
    d.cluster_sizes = vec![10, 12, 30];
    d.silhouettes = vec![Some(f64::NAN), None, Some(0.4)];
    input.days.push(d);
    let html = render_html(&input).unwrap();
    assert!(html.contains("data-skipped-silhouettes=\"2\""));
    assert!(html.contains("1 cluster silhouettes."));

    // All undefined: a note instead of an empty plot.
    input.days[0].silhouettes = vec![Some(f64::NAN); 3];
    let html = render_html(&input).unwrap();
    assert!(html.contains("No silhouette to show"));
    assert!(html.contains("data-plot=\"ecdf-size\""));
}

#[test]
fn hundreds_of_lineages_are_capped_and_counted() {
    let mut input = ReportInput::new(RunInfo::default());
    input.days = (1..=5).map(|d| day(&format!("2026-01-0{d}"))).collect();
    input.lineages = (0..300)
        .map(|id| Lineage {
            id,
            presence: (0..5)
                .filter(|d| (id + d) % 3 != 0)
                .map(|d| Presence { day_idx: d as usize, size: 10 + id })
                .collect(),
            novel_on: (id % 50 == 0).then_some(1),
            ..Lineage::default()
        })
        .collect();
    input.links = (1..300)
        .map(|id| LineageLink { kind: LinkKind::Split, from: id - 1, to: id, day_idx: 2 })
        .collect();
    let html = render_html(&input).unwrap();
    let hidden = 300 - MAX_LINEAGE_ROWS;
    assert!(html.contains(&format!("data-hidden-lineages=\"{hidden}\"")));
    assert!(html.contains(&format!("{hidden} of 300 lineages not shown")));
    // Novel lineages are always kept: every novel id has its row label.
    for id in (0..300).step_by(50) {
        assert!(html.contains(&format!(">\n#{id}\n</text>")), "row of novel lineage {id}");
    }
}

fn novel(lineage_id: u64, day_idx: usize) -> NovelCluster {
    NovelCluster {
        lineage_id,
        day_idx,
        size: 12,
        silhouette: None,
        majority_label: None,
        status: None,
        confirmed_on: None,
        cut: None,
        profile: Profile {
            n_packets: 0,
            mirai_share: 0.0,
            top_services: vec![Count::new("tcp/23", 0)],
            ..Profile::default()
        },
        raster: Raster::default(),
    }
}

#[test]
fn sparse_novel_clusters_render() {
    let mut input = ReportInput::new(RunInfo::default());
    input.days = vec![day("2026-01-01"), day("2026-01-02")];
    input.lineages = (1..=40)
        .map(|id| Lineage {
            id,
            presence: vec![Presence { day_idx: 0, size: 0 }],
            ..Lineage::default()
        })
        .collect();
    input.novel_clusters = (1..=40).map(|id| novel(id, 0)).collect();
    let html = render_html(&input).unwrap();
    // Zero packets, no raster, no hourly activity, sizes of zero: still a page.
    assert!(html.contains("No activity raster recorded"));
    assert!(html.contains("No activity over the day recorded"));
    assert!(html.contains("No novel cluster on the last day."));
    assert!(html.contains("data-hidden-details=\"10\""));
    assert_eq!(count(&html, "href=\"#novel-"), 30);
    assert_links_resolve(&html);
    assert_eq!(count(&html, "<article "), 30);
}

#[test]
fn a_cluster_cut_to_its_core_shows_what_was_cut() {
    let mut input = ReportInput::new(RunInfo::default());
    input.days = vec![day("2026-01-01")];
    input.lineages = (1..=2)
        .map(|id| Lineage {
            id,
            presence: vec![Presence { day_idx: 0, size: 12 }],
            ..Lineage::default()
        })
        .collect();
    let mut cut = novel(1, 0);
    cut.silhouette = Some(0.93);
    cut.cut = Some(CoreCut { n_fringe: 15, silhouette_whole: Some(0.48) });
    input.novel_clusters = vec![cut, novel(2, 0)];
    let html = render_html(&input).unwrap();
    // Once in the table, once in the cluster's section; not for lineage 2.
    assert_eq!(count(&html, "+15 cut</span>"), 1, "{html}");
    assert_eq!(count(&html, "<p class=\"cut\">"), 1);
    assert!(html.contains("15 more members that the clustering placed in it with low probability"));
    assert!(html.contains("its silhouette with them is 0.48"), "{html}");

    input.novel_clusters[0].cut = Some(CoreCut { n_fringe: 0, silhouette_whole: None });
    assert!(matches!(render_html(&input), Err(Error::OutOfRange { .. })));
    input.novel_clusters[0].cut = Some(CoreCut { n_fringe: 3, silhouette_whole: Some(1.5) });
    assert!(matches!(render_html(&input), Err(Error::OutOfRange { .. })));
}

#[test]
fn inconsistent_input_is_a_typed_error() {
    let mut input = sample();
    input.novel_clusters[0].day_idx = 99;
    match render_html(&input) {
        Err(Error::DayOutOfRange { day_idx: 99, n_days: 10, .. }) => {}
        other => panic!("expected DayOutOfRange, got {other:?}"),
    }
}

#[test]
fn write_report_replaces_the_page_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let input = sample();
    let path = write_report(&input, &out).unwrap();
    assert_eq!(path, out.join(INDEX_FILE));
    let first = std::fs::read_to_string(&path).unwrap();
    assert_eq!(first, render_html(&input).unwrap());

    // A second write replaces the page and leaves no temporary file behind.
    let mut other = input.clone();
    other.run.name = "second run".into();
    write_report(&other, &out).unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains("second run"));
    let names: Vec<_> = std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from(INDEX_FILE)]);
}

#[test]
fn write_report_names_the_path_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    match write_report(&sample(), &file) {
        Err(Error::Io { path, .. }) => assert_eq!(path, file),
        other => panic!("expected Io, got {other:?}"),
    }
}

/// A run as long as the honeypot log (190 days) with many short-lived
/// lineages: the page stays small enough to open and e-mail.
fn long_run() -> ReportInput {
    let mut input = ReportInput::new(RunInfo { name: "long run".into(), ..RunInfo::default() });
    input.days = (0..190)
        .map(|d| {
            let mut s = day(&format!("2026-d{d:03}"));
            s.n_clusters = 8;
            s.cluster_sizes = (0..8).map(|c| 10 + c * 7 + d % 13).collect();
            s.silhouettes = (0..8).map(|c| Some(((c + d) % 10) as f64 / 10.0)).collect();
            s
        })
        .collect();
    // 150 lineages living 3 to 60 days each, with a split every tenth.
    input.lineages = (0..150u64)
        .map(|id| {
            let start = (id * 37 % 180) as usize;
            let len = 3 + (id * 13 % 58) as usize;
            Lineage {
                id,
                presence: (start..(start + len).min(190))
                    .map(|d| Presence { day_idx: d, size: 10 + (d as u64 * id) % 400 })
                    .collect(),
                novel_on: (id % 9 == 0).then_some(start),
                majority_label: (id % 4 == 0).then(|| "mirai-like".to_owned()),
            }
        })
        .collect();
    input.links = (1..150u64)
        .step_by(10)
        .map(|id| LineageLink {
            kind: LinkKind::Split,
            from: id - 1,
            to: id,
            day_idx: (id * 37 % 180) as usize,
        })
        .filter(|l| l.day_idx > 0)
        .collect();
    input
}

#[test]
fn long_runs_stay_small() {
    let html = render_html(&long_run()).unwrap();
    assert!(html.contains("data-hidden-lineages=\"70\""));
    assert!(html.len() < 2_000_000, "page is {} bytes", html.len());
    assert_eq!(common::check_balanced(&html), Ok(()));
}

/// The element (tag to its end) carrying `id="id"`, e.g. an article.
fn element<'a>(html: &'a str, tag: &str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("element {id}"));
    let start = html[..at].rfind(&format!("<{tag}")).unwrap();
    let len = html[start..].find(&format!("</{tag}>")).unwrap();
    &html[start..start + len]
}

#[test]
fn confirmed_pending_and_rejected_candidates_are_told_apart() {
    let input = common::with_confirmation(sample());
    let html = render_html(&input).unwrap();
    assert_eq!(common::check_balanced(&html), Ok(()));
    assert_links_resolve(&html);

    // Key figures: what was confirmed today leads, today's flags are
    // candidates, and today's rejections are counted.
    assert_eq!(kpi(&html, "confirmed"), "1");
    assert!(html.contains(
        "data-kpi=\"confirmed\"><span class=\"v\">1</span><span class=\"k\">novel confirmed today"
    ));
    assert!(html.contains("<div class=\"kpi alert\" data-kpi=\"confirmed\">"));
    assert_eq!(kpi(&html, "novel"), "3");
    assert!(html.contains("<span class=\"k\">novel candidates, awaiting confirmation</span>"));
    assert!(!html.contains("<div class=\"kpi alert\" data-kpi=\"novel\">"));
    assert_eq!(kpi(&html, "rejected"), "2");
    assert!(
        html.contains("Novelty decisions today on earlier candidates: 1 confirmed, 2 rejected.")
    );

    // Lineage 19, flagged on day 5 and confirmed on the last day, comes
    // first with its own table; then the last day's three candidates.
    let confirmed = table(&html, "novel-confirmed");
    assert_eq!(count(confirmed, "<tr>"), 2);
    assert!(
        confirmed.contains(">#19</a></td><td>2026-03-06</td><td><span class=\"badge confirmed\"")
    );
    assert!(confirmed.contains("✓ confirmed<br/>on 2026-03-10"));
    let today = table(&html, "novel-today");
    assert_eq!(count(today, "<tr>"), 4);
    assert_eq!(count(today, "data-status=\"pending\""), 3);
    assert_eq!(count(today, "? awaiting<br/>confirmation"), 3);
    assert!(html.contains("<h3>Novel candidates flagged today (3, awaiting confirmation)</h3>"));
    assert!(
        html.find("id=\"novel-confirmed\"").unwrap() < html.find("id=\"novel-today\"").unwrap()
    );
    let earlier = table(&html, "novel-earlier");
    assert_eq!(count(earlier, "<tr>"), 2);
    assert!(earlier.contains("confirmed<br/>on 2026-03-04"));
    assert!(html.contains("data-rejected=\"2\">2 candidates of earlier days were rejected today"));

    // Detail sections carry the status in words, in the table's order.
    let pending = element(&html, "article", "novel-28-9");
    assert!(pending.starts_with("<article class=\"novel pending\""));
    assert!(pending.contains("<span class=\"badge\">novel candidate on 2026-03-10</span>"));
    assert!(pending.contains("awaiting confirmation"));
    let done = element(&html, "article", "novel-19-5");
    assert!(done.starts_with("<article class=\"novel\""));
    assert!(done.contains("novel on 2026-03-06</span> <span class=\"badge confirmed\""));
    let at: Vec<usize> = ["novel-19-5", "novel-28-9", "novel-15-2"]
        .iter()
        .map(|a| html.find(&format!("<h3>Lineage #{}", &a[6..8])).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");

    // The per-day table gains the rejections.
    let days = table(&html, "days");
    assert!(days.contains("<th class=\"n\">rejected candidates</th>"));
    assert!(days.contains("<td class=\"n\">3</td><td class=\"n\">2</td></tr>"));
}

#[test]
fn a_flag_final_at_once_counts_as_confirmed_today() {
    // One of the last day's candidates was well separated enough to be
    // final at once: no status in a run that confirms novelty.
    let mut input = common::with_confirmation(sample());
    let last = input.days.len() - 1;
    let at_once = input
        .novel_clusters
        .iter_mut()
        .find(|c| c.day_idx == last && c.status == Some(NoveltyStatus::Pending))
        .unwrap();
    at_once.status = None;
    let id = at_once.lineage_id;
    let html = render_html(&input).unwrap();
    assert_eq!(common::check_balanced(&html), Ok(()));
    assert_eq!(kpi(&html, "confirmed"), "2");
    assert_eq!(kpi(&html, "novel"), "2", "candidates awaiting confirmation only");
    let confirmed = table(&html, "novel-confirmed");
    assert_eq!(count(confirmed, "<tr>"), 3);
    assert!(confirmed.contains(&format!(">#{id}</a>")), "{confirmed}");
    assert!(confirmed.contains("data-status=\"final\">✓ final<br/>at once"));
    assert!(html.contains("<h3>Novel candidates flagged today (2, awaiting confirmation)</h3>"));
    assert!(!table(&html, "novel-today").contains(&format!(">#{id}</a>")));
    assert_links_resolve(&html);
}

#[test]
fn a_last_day_without_candidates_says_so() {
    let mut input = common::with_confirmation(sample());
    input.novel_clusters.retain(|c| c.day_idx != 9);
    input.novel_clusters.retain(|c| c.lineage_id != 19);
    input.days[9].n_novel = 0;
    input.days[9].n_novel_rejected = 0;
    let html = render_html(&input).unwrap();
    assert_eq!(kpi(&html, "confirmed"), "0");
    assert!(html.contains("<span class=\"k\">novel candidates</span>"));
    assert!(html.contains("id=\"no-confirmed-today\""));
    assert!(html.contains("No novel candidate on the last day."));
    assert!(!html.contains("data-rejected"));
    // Lineage 15 was confirmed on day 3: still listed, with its status.
    assert!(table(&html, "novel-earlier").contains("✓ confirmed<br/>on 2026-03-04"));
    assert_links_resolve(&html);
}

#[test]
fn statuses_round_trip_and_old_inputs_still_load() {
    let input = common::with_confirmation(sample());
    let json = input.to_json().unwrap();
    assert!(json.contains("\"status\": \"pending\""));
    assert!(json.contains("\"status\": \"confirmed\",\n      \"confirmed_on\": 9"));
    assert!(json.contains("\"n_novel_rejected\": 2"));
    assert_eq!(ReportInput::from_json(&json).unwrap(), input);

    // The committed sample predates the fields: nothing is written for them.
    let old = std::fs::read_to_string(sample_path()).unwrap();
    assert!(!old.contains("\"status\"") && !old.contains("n_novel_rejected"));
    assert!(!sample().to_json().unwrap().contains("\"status\""));

    let bad = json.replacen("\"status\": \"pending\"", "\"status\": \"maybe\"", 1);
    assert!(matches!(ReportInput::from_json(&bad), Err(Error::Json { .. })));
    let early = json.replacen("\"confirmed_on\": 9", "\"confirmed_on\": 5", 1);
    let err = ReportInput::from_json(&early).unwrap_err();
    assert!(matches!(err, Error::NoveltyStatus { .. }), "{err}");
}

#[test]
fn a_confirmed_cluster_needs_a_later_confirmation_day() {
    let mut input = sample();
    let c = &mut input.novel_clusters[0];
    c.status = Some(NoveltyStatus::Confirmed);
    let err = render_html(&input).unwrap_err();
    assert_eq!(err.to_string(), "novel cluster 0: confirmed without confirmed_on");
    input.novel_clusters[0].confirmed_on = Some(10);
    assert!(matches!(render_html(&input), Err(Error::DayOutOfRange { day_idx: 10, .. })));
    input.novel_clusters[0].status = Some(NoveltyStatus::Pending);
    input.novel_clusters[0].confirmed_on = Some(9);
    let err = render_html(&input).unwrap_err();
    assert_eq!(
        err.to_string(),
        "novel cluster 0: confirmed_on given but the status is not confirmed"
    );
}
