//! Opens the sample report in headless Chromium, when it is installed, and
//! checks that the browser parsed the page as intended and can render it.
//!
//! Debian's package: `apt-get install -y chromium`. Without it the test prints
//! a message and checks only that the page was written.

// The skip message is for the person running the tests.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;

use darkdca_report::{ReportInput, write_report};

mod common;

fn sample() -> ReportInput {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/report/sample_input.json");
    ReportInput::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

fn headless(chromium: &Path, profile: &Path, extra: &[&str], page: &Path) -> std::process::Output {
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium starts")
}

#[test]
fn chromium_parses_and_renders_the_sample() {
    let input = sample();
    let dir = tempfile::tempdir().unwrap();
    let page = write_report(&input, dir.path()).unwrap();
    assert!(page.is_file());

    let Some(chromium) = chromium() else {
        eprintln!("chromium not found: skipping the browser check (apt-get install -y chromium)");
        return;
    };
    let profile = tempfile::tempdir().unwrap();

    // The DOM as the browser built it: every plot is an <svg> element of the
    // page, with its title, so nothing was dropped or re-parented by the parser.
    let dom = headless(&chromium, profile.path(), &["--dump-dom"], &page);
    assert!(
        dom.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8(dom.stdout).unwrap();
    let n_plots = 7 + 2 * input.novel_clusters.len();
    assert_eq!(dom.matches("<svg class=\"plot\"").count(), n_plots);
    assert!(dom.contains("<title>Lineages over time</title>"));
    assert!(dom.contains("id=\"novel-today\""));

    // A screenshot of the top of the page: a real PNG, not a blank one.
    let png = dir.path().join("report.png");
    let shot = headless(
        &chromium,
        profile.path(),
        &[&format!("--screenshot={}", png.display()), "--window-size=1400,3000"],
        &page,
    );
    assert!(
        shot.status.success(),
        "chromium --screenshot failed: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 50_000, "screenshot is only {} bytes", bytes.len());
}

#[test]
fn chromium_keeps_the_novelty_statuses() {
    let input = common::with_confirmation(sample());
    let dir = tempfile::tempdir().unwrap();
    let page = write_report(&input, dir.path()).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(common::check_balanced(&html), Ok(()));

    let Some(chromium) = chromium() else {
        eprintln!("chromium not found: skipping the browser check (apt-get install -y chromium)");
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let dom = headless(&chromium, profile.path(), &["--dump-dom"], &page);
    assert!(
        dom.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8(dom.stdout).unwrap();
    // Three candidates of the last day, each in the table and in its
    // detail section; two confirmed clusters likewise.
    assert_eq!(dom.matches("data-status=\"pending\"").count(), 6);
    assert_eq!(dom.matches("data-status=\"confirmed\"").count(), 4);
    assert!(dom.contains("id=\"novel-confirmed\""));
    assert!(dom.contains("<article class=\"novel pending\" id=\"novel-28-9\">"));
    assert_eq!(dom.matches("<svg class=\"plot\"").count(), 7 + 2 * input.novel_clusters.len());
}
