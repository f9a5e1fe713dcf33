//! `darkdca show`: one lineage's history and latest profile.

use std::fmt::Write;

use anyhow::Result;
use darkdca::state::StateDir;
use darkdca::{DayResult, Error};

use crate::cli::ShowArgs;
use crate::report::load_days;

/// Prints the history of a lineage.
pub fn show(args: &ShowArgs) -> Result<()> {
    let state = StateDir::new(&args.state);
    let meta = state.read_meta()?;
    let days = load_days(&state, &meta)?;
    let id = args.lineage;
    if !days.iter().any(|d| d.cluster(id).is_some()) {
        return Err(Error::UnknownLineage { id }.into());
    }
    if args.json {
        let history: Vec<serde_json::Value> = days
            .iter()
            .filter_map(|d| {
                d.cluster(id).map(|c| serde_json::json!({ "day": d.day, "cluster": c }))
            })
            .collect();
        // Decisions on the lineage's novelty candidates, also those taken
        // on a day it was gone (a rejection for going inactive).
        let decisions: Vec<serde_json::Value> = days
            .iter()
            .flat_map(|d| {
                d.novelty_decisions
                    .iter()
                    .filter(|n| n.lineage == id)
                    .map(|n| serde_json::json!({ "day": d.day, "decision": n }))
            })
            .collect();
        let came_from: Vec<serde_json::Value> = predecessors(&days, id)
            .map(|(day, from)| {
                let from: Vec<serde_json::Value> = from
                    .iter()
                    .map(|(l, kind)| serde_json::json!({ "lineage": l, "kind": kind }))
                    .collect();
                vec![serde_json::json!({ "day": day, "from": from })]
            })
            .unwrap_or_default();
        let json = serde_json::to_string_pretty(&serde_json::json!({
            "lineage": id,
            "came_from": came_from,
            "history": history,
            "novelty_decisions": decisions,
        }))?;
        crate::stdout(&format!("{json}\n"))?;
    } else {
        crate::stdout(&text(&days, id))?;
    }
    Ok(())
}

/// The text history: one line per day the lineage existed, its fate on the
/// next day, then the latest profile.
fn text(days: &[DayResult], id: u64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "lineage {id}");
    let _ = writeln!(
        out,
        "{:<12} {:>6} {:>6} {:>7}  {:<9} {:<22} next day",
        "day", "size", "sil", "purity", "origin", "label"
    );
    let mut last = None;
    for (i, d) in days.iter().enumerate() {
        let Some(c) = d.cluster(id) else { continue };
        let next = days.get(i + 1).and_then(|n| n.transitions.iter().find(|t| t.lineage == id));
        let fate = next.map_or_else(
            || "-".to_owned(),
            |t| {
                let into: Vec<String> = t.into.iter().map(|l| format!("#{l}")).collect();
                if into.is_empty() {
                    t.kind.clone()
                } else {
                    format!("{} -> {}", t.kind, into.join(" "))
                }
            },
        );
        let origin = match (c.novel, c.novelty_status.is_some(), decision(days, i, id)) {
            (false, ..) | (true, true, Some((_, false, _))) => c.origin.as_str(),
            (true, true, None) => "NOVEL?",
            (true, _, _) => "NOVEL",
        };
        let sil = c.silhouette.map_or_else(|| "-".to_owned(), |s| format!("{s:.2}"));
        let _ = writeln!(
            out,
            "{:<12} {:>6} {:>6} {:>7.2}  {:<9} {:<22} {}",
            d.day, c.size, sil, c.purity, origin, c.majority_label, fate
        );
        last = Some((d, c));
    }
    if let Some((day, from)) = predecessors(days, id) {
        let from: Vec<String> = from.iter().map(|(l, kind)| format!("#{l} ({kind})")).collect();
        let _ = writeln!(out, "came from on {day}: {}", from.join(", "));
    }
    for d in days {
        if let Some(c) = d.cluster(id).filter(|c| c.n_fringe > 0) {
            let whole = c.silhouette_whole.map_or_else(|| "-".to_owned(), |s| format!("{s:.2}"));
            let _ = writeln!(
                out,
                "cut to its core on {}: {} more members reported as noise \
                 (silhouette with them {whole})",
                d.day, c.n_fringe
            );
        }
    }
    out.push_str(&novelty_lines(days, id));
    if let Some((d, c)) = last {
        let p = &c.profile;
        let list = |v: &[darkdca::profile::Count]| {
            v.iter().map(|x| format!("{} ({})", x.key, x.count)).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(
            out,
            "\nprofile on {}: {} senders, {} packets, Mirai-like {:.0}%",
            d.day,
            c.size,
            p.packets,
            p.mirai_share * 100.0
        );
        let _ = writeln!(out, "  services:  {}", list(&p.top_services));
        let _ = writeln!(out, "  protocols: {}", list(&p.top_protocols));
        let _ = writeln!(out, "  /24:       {}", list(&p.top_slash24));
        let _ = writeln!(out, "  /16:       {}", list(&p.top_slash16));
        let peak = p.activity.iter().copied().max().unwrap_or(0).max(1);
        let bars: String = p.activity.iter().map(|&n| SPARK[(n * 7 / peak) as usize]).collect();
        let _ = writeln!(out, "  by hour:   |{bars}| (00 to 23 UTC)");
        let shown: Vec<&str> = c.members.iter().take(10).map(String::as_str).collect();
        let more = c.members.len().saturating_sub(shown.len());
        let _ = writeln!(
            out,
            "  senders:   {}{}",
            shown.join(" "),
            if more > 0 { format!(" ... and {more} more") } else { String::new() }
        );
    }
    out
}

/// The clusters of the day before that went into lineage `id` on its first
/// day (split into it or absorbed by it), with their transition: the day
/// and `(lineage, kind)` pairs, or `None` when nothing did.
fn predecessors(days: &[DayResult], id: u64) -> Option<(&str, Vec<(u64, &str)>)> {
    let first = days.iter().find(|d| d.cluster(id).is_some())?;
    let from: Vec<(u64, &str)> = first
        .transitions
        .iter()
        .filter(|t| t.lineage != id && t.into.contains(&id))
        .map(|t| (t.lineage, t.kind.as_str()))
        .collect();
    (!from.is_empty()).then_some((first.day.as_str(), from))
}

/// The decision of a later day on the novelty candidate `id` flagged on
/// `days[flagged]`: the deciding day's name, whether it confirmed, and the
/// transition that decided.
fn decision(days: &[DayResult], flagged: usize, id: u64) -> Option<(&str, bool, &str)> {
    let batch_id = days[flagged].batch_id;
    days[flagged + 1..].iter().find_map(|d| {
        d.novelty_decision(id, batch_id)
            .map(|n| (d.day.as_str(), n.confirmed, n.transition.as_str()))
    })
}

/// One line per novelty candidate of the lineage: when it was flagged and
/// what became of the flag. Final flags (no confirmation) need no line.
fn novelty_lines(days: &[DayResult], id: u64) -> String {
    let mut out = String::new();
    for (i, d) in days.iter().enumerate() {
        if !d.cluster(id).is_some_and(|c| c.novel && c.novelty_status.is_some()) {
            continue;
        }
        let silent_on =
            days[i + 1..].iter().find(|later| later.went_inactive(id)).map(|d| d.day.as_str());
        let fate = match (decision(days, i, id), silent_on) {
            (Some((on, true, _)), _) => format!("confirmed on {on}"),
            (Some((on, false, why)), _) => format!("not confirmed on {on} ({why})"),
            (None, Some(on)) => {
                format!("confirmation pending, waiting for its group, silent since {on}")
            }
            (None, None) => "confirmation pending".to_owned(),
        };
        let _ = writeln!(out, "novel candidate flagged {}: {fate}", d.day);
    }
    out
}

const SPARK: [char; 8] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '█'];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdays;

    /// The origin column of the row of `day`.
    fn origin<'a>(text: &'a str, day: &str) -> &'a str {
        let row = text.lines().find(|l| l.starts_with(day)).unwrap();
        row.split_whitespace().nth(4).unwrap()
    }

    #[test]
    fn the_fate_of_each_candidate_is_told() {
        let days = testdays::run();
        let confirmed = text(&days, 12);
        assert_eq!(origin(&confirmed, "2026-01-09"), "NOVEL");
        assert!(
            confirmed.contains("\nnovel candidate flagged 2026-01-09: confirmed on 2026-01-10\n")
        );

        let rejected = text(&days, 14);
        assert_eq!(origin(&rejected, "2026-01-09"), "first");
        assert!(rejected.contains(
            "\nnovel candidate flagged 2026-01-09: not confirmed on 2026-01-10 (inactive)\n"
        ));

        let pending = text(&days, 16);
        assert_eq!(origin(&pending, "2026-01-11"), "NOVEL?");
        assert!(pending.contains("\nnovel candidate flagged 2026-01-11: confirmation pending\n"));

        // Lineage 14 waiting for its silent group instead of rejected.
        let mut waiting = days.clone();
        waiting[1].novelty_decisions.retain(|n| n.lineage != 14);
        assert!(text(&waiting, 14).contains(
            "\nnovel candidate flagged 2026-01-09: confirmation pending, waiting for its group, \
             silent since 2026-01-10\n"
        ));
    }

    #[test]
    fn the_clusters_a_lineage_came_from_are_named() {
        let mut days = testdays::run();
        assert!(!text(&days, 15).contains("came from"));
        // On 2026-01-10 lineage 14 split into 15 and 1 (by hand: 15 is new).
        let split = darkdca::result::TransitionRecord {
            lineage: 14,
            kind: "split".to_owned(),
            into: vec![1, 15],
        };
        days[1].transitions.retain(|t| t.lineage != 14);
        days[1].transitions.push(split);
        let shown = text(&days, 15);
        assert!(shown.contains("\ncame from on 2026-01-10: #14 (split)\n"), "{shown}");
        // Lineage 1 continues itself; a split part is not its origin.
        assert!(!text(&days, 1).contains("came from"));
    }

    #[test]
    fn final_flags_need_no_line() {
        let text = text(&testdays::run_without_confirmation(), 14);
        assert_eq!(origin(&text, "2026-01-09"), "NOVEL");
        assert!(!text.contains("novel candidate"), "{text}");
    }
}
