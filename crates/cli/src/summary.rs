//! The one-screen summary printed after each day.

use std::fmt::Write;

use darkdca::DayResult;
use darkdca::result::ClusterResult;

/// Clusters listed per day, largest first (novel ones are always listed).
const MAX_LISTED: usize = 8;

/// The summary of one day, ending with a newline. `fell_silent`: lineages
/// of novelty candidates whose group went silent on this day and that now
/// wait for it to return (`tracking.novelty_wait_inactive`).
pub fn day(r: &DayResult, fell_silent: &[u64]) -> String {
    let s = &r.stats;
    let mut out = String::new();
    let sil = s.silhouette.map_or("-".to_owned(), |v| format!("{v:.2}"));
    let _ = writeln!(
        out,
        "== {}  packets {}  senders {}  active {}  clusters {}  noise {}  silhouette {}",
        r.day, s.n_packets, s.n_senders, s.n_active, s.n_clusters, s.n_noise, sil
    );
    if !r.transitions.is_empty() {
        let count = |k: &str| r.transitions.iter().filter(|t| t.kind == k).count();
        let _ = writeln!(
            out,
            "   yesterday's {} clusters: survived {}, split {}, absorbed {}, disappeared {}, inactive {}",
            r.transitions.len(),
            count("survived"),
            count("split"),
            count("absorbed"),
            count("disappeared"),
            count("inactive"),
        );
    }
    let pending = r.clusters.iter().filter(|c| c.novel && c.novelty_status.is_some()).count();
    if pending == r.novel.len() && pending > 0 {
        let _ = writeln!(
            out,
            "   emerged {}, novel candidates {pending} (NOVEL?, confirmation pending)",
            r.emerged.len(),
        );
    } else if pending > 0 {
        let _ = writeln!(
            out,
            "   emerged {}, novel {} (NOVEL), novel candidates {pending} (NOVEL?, confirmation pending)",
            r.emerged.len(),
            r.novel.len() - pending,
        );
    } else {
        let _ = writeln!(out, "   emerged {}, novel {}", r.emerged.len(), r.novel.len());
    }
    if !fell_silent.is_empty() {
        let ids: Vec<String> = fell_silent.iter().map(u64::to_string).collect();
        let _ = writeln!(
            out,
            "   candidates waiting for their silent group to return: lineage {}",
            ids.join(", ")
        );
    }
    for n in &r.novelty_decisions {
        if n.confirmed {
            let _ = writeln!(
                out,
                "   confirmed novel: lineage {}, flagged {}",
                n.lineage, n.flagged_day
            );
        } else {
            let _ = writeln!(
                out,
                "   not confirmed: lineage {}, flagged {} ({})",
                n.lineage, n.flagged_day, n.transition
            );
        }
    }

    let mut listed: Vec<&ClusterResult> = r.clusters.iter().filter(|c| c.novel).collect();
    let mut rest: Vec<&ClusterResult> = r.clusters.iter().filter(|c| !c.novel).collect();
    rest.sort_by(|a, b| b.size.cmp(&a.size).then(a.lineage.cmp(&b.lineage)));
    let room = MAX_LISTED.saturating_sub(listed.len());
    listed.extend(rest.iter().take(room));
    for c in &listed {
        let _ = writeln!(out, "   {}", cluster_line(c));
    }
    if r.clusters.len() > listed.len() {
        let _ = writeln!(
            out,
            "   ... {} more clusters in the day's JSON",
            r.clusters.len() - listed.len()
        );
    }
    out
}

/// `#12 NOVEL   35 senders  sil 0.61  23/tcp 2323/tcp  mirai 98%  label mirai-like (1.00)`.
fn cluster_line(c: &ClusterResult) -> String {
    let mark = if c.novel && c.novelty_status.is_some() {
        "NOVEL?"
    } else if c.novel {
        "NOVEL"
    } else if c.reidentified_from.is_some() {
        "back"
    } else if c.origin == "emerged" {
        "new"
    } else {
        ""
    };
    let services: Vec<&str> =
        c.profile.top_services.iter().take(3).map(|s| s.key.as_str()).collect();
    let sil = c.silhouette.map_or_else(|| "-".to_owned(), |s| format!("{s:.2}"));
    format!(
        "#{:<5} {:<6} {:>5} senders  sil {:>5}  {:<28} mirai {:>3.0}%  label {} ({:.2})",
        c.lineage,
        mark,
        c.size,
        sil,
        services.join(" "),
        c.profile.mirai_share * 100.0,
        c.majority_label,
        c.purity
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdays;

    #[test]
    fn candidates_are_marked_and_decisions_printed() {
        let days = testdays::run();
        let text = day(&days[1], &[]);
        assert!(text.contains("emerged 1, novel candidates 1 (NOVEL?, confirmation pending)"));
        assert!(text.contains("\n   #15    NOVEL?     3 senders"), "{text}");
        assert!(text.contains(&format!("\n   #12{}3 senders", " ".repeat(15))), "{text}");
        assert!(text.contains("   confirmed novel: lineage 12, flagged 2026-01-09\n"));
        assert!(text.contains("   not confirmed: lineage 14, flagged 2026-01-09 (inactive)\n"));
        assert!(!day(&days[0], &[]).contains("confirmed"), "no decision on the first day");
        let text = day(&days[1], &[14, 17]);
        assert!(
            text.contains(
                "   candidates waiting for their silent group to return: lineage 14, 17\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn final_flags_read_as_before() {
        let days = testdays::run_without_confirmation();
        let text = day(&days[1], &[]);
        assert!(text.contains("   emerged 1, novel 1\n"), "{text}");
        assert!(text.contains("\n   #15    NOVEL      3 senders"), "{text}");
        assert!(!text.contains('?') && !text.contains("confirmed"), "{text}");
    }
}
