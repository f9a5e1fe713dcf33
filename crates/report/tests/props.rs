//! Property tests: any consistent input renders to a well-formed, deterministic page.

use darkdca_report::{
    Count, DaySummary, Lineage, LineageLink, LinkKind, NovelCluster, NoveltyStatus, Presence,
    Profile, Raster, ReportInput, RunInfo, TransitionCounts, render_html,
};
use proptest::prelude::*;

mod common;
use common::check_balanced;

fn text() -> impl Strategy<Value = String> {
    "[a-z0-9<>&\"' /.-]{0,12}"
}

fn silhouette() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![Just(None), Just(Some(f64::NAN)), (-1.0..=1.0f64).prop_map(Some)]
}

fn day() -> impl Strategy<Value = DaySummary> {
    (text(), 0..1_000_000u64, 0..5u64, prop::collection::vec((1..5_000u64, silhouette()), 0..6))
        .prop_map(|(name, n_packets, n, clusters)| DaySummary {
            day: name,
            n_packets,
            n_senders: n_packets / 10,
            n_active: n_packets / 40,
            n_clusters: clusters.len() as u64,
            n_noise: n_packets / 80,
            transitions: TransitionCounts {
                survived: n,
                split: n / 2,
                ..TransitionCounts::default()
            },
            n_emerged: n,
            n_novel: n / 3,
            n_novel_rejected: n / 4,
            cluster_sizes: clusters.iter().map(|c| c.0).collect(),
            silhouettes: clusters.iter().map(|c| c.1).collect(),
        })
}

/// A consistent input: every index and id it uses exists.
fn input() -> impl Strategy<Value = ReportInput> {
    (prop::collection::vec(day(), 0..6), 0..14usize, any::<u64>(), text()).prop_flat_map(
        |(days, n_lineages, seed, name)| {
            let n_days = days.len();
            let lineages = if n_days == 0 { 0 } else { n_lineages };
            let presence = prop::collection::vec((0..n_days.max(1), 0..3_000u64), 0..6);
            let lineage = (presence, prop::option::of(0..n_days.max(1)), prop::option::of(text()));
            let link = (0..4usize, 0..lineages.max(1), 0..lineages.max(1), 0..n_days.max(1));
            let raster = (0..4usize, 0..50usize, text());
            let novel = (
                (0..lineages.max(1), 0..n_days.max(1), 0..3u8),
                raster,
                silhouette(),
                0.0..=1.0f64,
            );
            (
                Just((days, seed, name)),
                prop::collection::vec(lineage, lineages),
                prop::collection::vec(link, if lineages == 0 { 0..1 } else { 0..8 }),
                prop::collection::vec(novel, if lineages == 0 { 0..1 } else { 0..4 }),
            )
                .prop_map(move |((days, seed, name), ls, links, novels)| {
                    let mut input = ReportInput::new(RunInfo { name, ..RunInfo::default() });
                    input.days = days;
                    input.lineages = ls
                        .into_iter()
                        .enumerate()
                        .map(|(i, (presence, novel_on, label))| Lineage {
                            id: i as u64 * 7 + seed % 5,
                            presence: presence
                                .into_iter()
                                .map(|(day_idx, size)| Presence { day_idx, size })
                                .collect(),
                            novel_on,
                            majority_label: label,
                        })
                        .collect();
                    let id = |i: usize| input.lineages[i].id;
                    input.links = links
                        .into_iter()
                        .map(|(k, from, to, day_idx)| LineageLink {
                            kind: LinkKind::ALL[k],
                            from: id(from),
                            to: id(to),
                            day_idx,
                        })
                        .collect();
                    input.novel_clusters = novels
                        .into_iter()
                        .map(|((l, day_idx, s), (n_cols, n_rows, key), sil, share)| NovelCluster {
                            lineage_id: id(l),
                            day_idx,
                            size: n_rows as u64,
                            silhouette: sil,
                            majority_label: None,
                            // No status, pending, or confirmed on a later
                            // day (pending when there is none).
                            status: match s {
                                0 => None,
                                1 if day_idx + 1 < n_days => Some(NoveltyStatus::Confirmed),
                                _ => Some(NoveltyStatus::Pending),
                            },
                            confirmed_on: (s == 1 && day_idx + 1 < n_days).then_some(day_idx + 1),
                            cut: None,
                            profile: Profile {
                                n_packets: (n_rows * 17) as u64,
                                mirai_share: share,
                                top_services: vec![Count::new(key, 3)],
                                activity: (0..n_cols * 8).map(|b| (b * n_rows) as u64).collect(),
                                ..Profile::default()
                            },
                            raster: Raster {
                                columns: (0..n_cols).map(|c| format!("c{c}")).collect(),
                                senders: (0..n_rows)
                                    .map(|r| format!("10.0.{}.{}", r / 250, r % 250))
                                    .collect(),
                                n_packets: (0..n_rows)
                                    .map(|r| {
                                        (0..n_cols).map(|c| ((r * 31 + c * 7) % 5) as u64).collect()
                                    })
                                    .collect(),
                            },
                        })
                        .collect();
                    input
                })
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn consistent_inputs_render_well_formed_and_deterministic(input in input()) {
        let html = render_html(&input).unwrap();
        prop_assert_eq!(check_balanced(&html), Ok(()));
        prop_assert_eq!(html.matches("<svg ").count(), html.matches("</svg>").count());
        prop_assert_eq!(render_html(&input).unwrap(), html);
    }
}

#[test]
fn the_balance_check_catches_breakage() {
    assert!(check_balanced("<p>a &lt; b</p>").is_ok());
    assert!(check_balanced("<p>a < b</p>").is_err());
    assert!(check_balanced("<p><b>x</p></b>").is_err());
    assert!(check_balanced("<svg><rect/></svg><meta charset=\"utf-8\">").is_ok());
}
