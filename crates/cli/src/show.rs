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
        let json = serde_json::to_string_pretty(
            &serde_json::json!({ "lineage": id, "history": history }),
        )?;
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
        let origin = if c.novel { "NOVEL" } else { c.origin.as_str() };
        let sil = c.silhouette.map_or_else(|| "-".to_owned(), |s| format!("{s:.2}"));
        let _ = writeln!(
            out,
            "{:<12} {:>6} {:>6} {:>7.2}  {:<9} {:<22} {}",
            d.day, c.size, sil, c.purity, origin, c.majority_label, fate
        );
        last = Some((d, c));
    }
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

const SPARK: [char; 8] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '█'];
