//! A telescope traffic simulator with planted groups, scripted fates and
//! truth files.
//!
//! Real darknet captures come without truth about which senders act together
//! and how their groups change. This crate writes multi-day captures of a
//! simulated telescope and, beside them, the truth: each day, every sender's
//! group (or noise), and each group's scripted fate with the transition the
//! tracker (`monic-dca`) is expected to report. It serves the tests of every
//! stage, the benchmarks at any scale, and the project's default input.
//!
//! # Example
//!
//! ```
//! use darkdca_sim::{Scenario, Simulation, Truth, generate};
//!
//! // A shorter version of the committed `small` scenario.
//! let mut scenario = Scenario::preset("small")?;
//! scenario.n_days = 4;
//! scenario.fates.silences = 0;
//!
//! // Packets of a day, in memory and in time order.
//! let sim = Simulation::new(&scenario)?;
//! let n = sim.day_stream(0)?.filter(|p| p.is_mirai_like()).count();
//! assert!(n > 0);
//!
//! // Captures and truth on disk.
//! let dir = std::env::temp_dir().join(format!("darkdca-sim-doc-{}", std::process::id()));
//! let out = generate(&scenario, &dir)?;
//! let truth = Truth::load(&out.days[1].truth)?;
//! assert_eq!(truth.day, 1);
//! assert_eq!(truth.n_packets, out.days[1].n_packets);
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Main types
//!
//! - [`Scenario`]: every knob (telescope prefix, days, populations, noise,
//!   fates, seed), serde, loaded from JSON or TOML, with presets `small`,
//!   `standard` and `large` ([`Scenario::preset`]).
//! - [`Simulation`]: a planned scenario. [`Simulation::day_stream`] yields a
//!   day's [`darkdca_trace::PacketRecord`]s in time order ([`DayStream`]);
//!   [`Simulation::truth`] gives the day's [`Truth`].
//! - [`generate`]: writes `day-NNN.pcap` (or `.pcap.gz`), `day-NNN.truth.json`
//!   and `scenario.json` ([`Manifest`]) into a directory, through the trace
//!   crate's [`darkdca_trace::PcapWriter`].
//!
//! # The model
//!
//! Four kinds of coordinated groups ([`GroupKind`]), each a population of
//! `n_groups` groups sharing `n_senders` senders with heavy-tailed sizes
//! (Pareto weights, at least `min_size` = 10 members):
//!
//! - research scanners: senders packed in one or a few /24s, TCP SYN sweeps of
//!   `n_ports` ports at the same times every day;
//! - Mirai-like botnets: TCP SYN whose sequence number is the destination
//!   address, 70% to port 23, 15% to 2323, 15% to a few extra ports; `churn`
//!   of the members replaced by fresh senders every day;
//! - targeted scanners: scattered senders hammering a few TCP or UDP services;
//! - DDoS backscatter: a victim's addresses (one or a few /24s) replying with
//!   SYN-ACK or RST from one service port to the `n_ports` source ports the
//!   attacker spoofs, or with GRE; `decay` of them stop every day until the
//!   group fades.
//!
//! A group sends in `n_bursts` bursts of `burst_minutes` a day; every member
//! sends 6 or more packets a day (so every member is active under the
//! paper's filter of more than 5), spread at random over the group's bursts,
//! and within a burst the members take turns at random. Coordinated senders
//! therefore interleave in time on the same services, which is what a
//! skip-gram over per-service sender sequences can pick up.
//!
//! Noise: `noise.n_senders` fresh one-off senders a day, each on 1 to 3
//! services (common or random ports, UDP, ICMP), most with 1 to 5 packets and
//! `active_share` of them with 6 to `max_packets`, at random times.
//!
//! # Fates
//!
//! [`Fates`] counts how many of each scripted fate to plant; they are spread
//! evenly over days 1 to `n_days - 1` and applied to groups chosen with the
//! seed (a fate that finds no eligible group moves to the next day). The
//! `day` of an event is the first day its effect shows; the expected
//! transition is the one the tracker reports when it compares day `day - 1`
//! with day `day`, under the paper's thresholds τ0 = 0.65, τ1 = 0.3:
//!
//! | kind | expected for `from` (day − 1) | expected in `emerged` (day) |
//! | --- | --- | --- |
//! | `survive` | Survived | |
//! | `split` | Split | both halves, novelty false |
//! | `merge` | Absorbed ×2, or Survived + Absorbed (see below) | new group, novelty false |
//! | `dissolve` | Disappeared | |
//! | `silence` | Inactive | |
//! | `return` | | the group, novelty false (re-identified) |
//! | `change_ports` | Survived | |
//! | `appear` | | the group, novelty true |
//! | `fade` | Inactive | |
//!
//! What each does:
//!
//! - `survive`: no scripted change; churn and decay go on.
//! - `split`: the members are shuffled and cut at 40 to 60%; both halves get
//!   new bursts, the second half new ports too.
//! - `merge`: two groups of one kind join, of sizes within 60:40 when such a
//!   pair exists; a side holding at least τ0 of the union survives and keeps
//!   its id, otherwise the union is a new group.
//! - `dissolve`: the members go on sending, 6 to 15 packets each at random
//!   times, but as noise senders do (one to three services drawn like a
//!   noise sender's, not the group's): the group dissolves into noise. On
//!   later days `noise.linger` of them send as noise.
//! - `silence`: the group sends nothing for `silence_days` days; `return`:
//!   it sends again with the same id and members.
//! - `change_ports`: same members, new services.
//! - `appear`: a new group of fresh senders.
//! - `fade`: a decaying group fell below `min_size` and stops.
//!
//! Under the paper's rules a split's halves are emerged clusters, and since
//! each holds only about half of the parent (below τ0), the paper's backward
//! test would flag them novel; the truth says `novelty: false` because their
//! senders are known. That difference is one of the failures the evaluation
//! measures.
//!
//! # Files and schema (format version 1)
//!
//! `generate` writes, for day `N` (three digits):
//!
//! - `day-NNN.pcap` (or `day-NNN.pcap.gz` with `compress`): classic pcap,
//!   nanosecond timestamps, Ethernet (or raw IP with `link = "raw"`), one
//!   frame per packet in time order, every packet to the telescope.
//! - `day-NNN.truth.json` ([`Truth`]), one JSON object:
//!   `format` = `"darkdca-sim-truth"`, `version` = 1, `scenario` (name),
//!   `seed`, `day`, `start_ns`, `end_ns` (the day's UTC bounds in ns),
//!   `telescope` (`"a.b.c.d/len"`), `n_packets`, `n_senders`,
//!   `n_active_senders` (more than 5 packets), `groups` (per group sending
//!   that day: `id`, `kind`, `n_senders`, `n_packets`, `services` like
//!   `"tcp/23"`, `"udp/53"`, `"icmp"`, `"gre"` (a backscatter group's
//!   services are the spoofed ports its replies go to), and `n_services`),
//!   `events` (the [`FateEvent`]s whose `day` is this day: `day`, `kind`,
//!   `from`, `to`, `transitions` as `{group, transition}`
//!   with `transition` one of `Survived`, `Split`, `Absorbed`, `Disappeared`,
//!   `Inactive`, `Emerged`, and `emerged` as `{group, novelty}`), and
//!   `senders` (every sender of the day sorted by address: `addr`, `group`
//!   (a number, or `null` for noise), `packets`).
//! - `scenario.json` ([`Manifest`]): `format` = `"darkdca-sim-scenario"`,
//!   `version` = 1, the full `scenario`, `days` (file names relative to the
//!   directory and per-day counts), `groups` (every group: `id`, `kind`,
//!   `origin` (`initial`, `appeared`, `split`, `merge`), `parents`,
//!   `first_day`, `last_day`, `novelty`) and all `events`.
//!
//! Readers check `format` and `version` ([`Truth::load`], [`Manifest::load`])
//! and refuse other values.
//!
//! # Determinism
//!
//! Every random choice comes from Xoshiro256++ generators seeded from the
//! scenario's seed (one for the plan, one per day for the packets), so the
//! same scenario gives byte-identical files with the same version of this
//! crate, whatever the order in which days are generated or the number of
//! threads writing them. Group sizes and packet times go through `f64::powf`,
//! whose last bit may differ between C math libraries: another platform may
//! shift a timestamp by a nanosecond (the committed scenario's test runs on
//! the CI's Linux).
//!
//! # Limitations
//!
//! IPv4 only. Packets carry no payload. Group members send only within their
//! group's bursts, which makes coordination easier to see than in some real
//! traffic; noise senders are independent of each other. The expected
//! transitions assume the paper's thresholds and a clustering that recovers
//! the planted groups exactly.

mod error;
mod generate;
mod plan;
mod scenario;
mod stream;
mod truth;

pub use error::{Error, Result};
pub use generate::{DayFiles, Generated, Simulation, generate};
pub use scenario::{Fates, GroupKind, Ipv4Prefix, Link, Noise, Population, Scenario};
pub use stream::DayStream;
pub use truth::{
    ACTIVE_MIN_PACKETS, DayEntry, ExpectedEmergence, ExpectedTransition, FORMAT_VERSION, FateEvent,
    FateKind, GroupDayTruth, GroupId, GroupInfo, MANIFEST_FILE, MANIFEST_FORMAT, MATCH_THRESHOLD,
    Manifest, Origin, SenderTruth, TRUTH_FORMAT, Transition, Truth,
};
