//! Helpers shared by the integration tests.

/// Checks that every element opened is closed in order, and that no raw `<`
/// starts something that is not a tag: a cheap well-formedness check that
/// catches unescaped text and broken SVG splicing.
pub fn check_balanced(html: &str) -> Result<(), String> {
    const VOID: [&str; 1] = ["meta"];
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        rest = &rest[lt + 1..];
        let gt = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[..gt];
        rest = &rest[gt + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().ok_or_else(|| format!("stray </{name}>"))?;
            if open != name {
                return Err(format!("<{open}> closed by </{name}>"));
            }
            continue;
        }
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!("not a tag: <{tag}>"));
        }
        if !tag.ends_with('/') && !VOID.contains(&name) {
            stack.push(name);
        }
    }
    if stack.is_empty() { Ok(()) } else { Err(format!("unclosed: {stack:?}")) }
}

/// The committed sample as a run that confirms novelty: lineage 15 (flagged
/// on day 2) confirmed on day 3, lineage 19 (flagged on day 5) confirmed on
/// the last day, the last day's three flags awaiting confirmation, and two
/// candidates of day 8 rejected on the last day.
#[allow(dead_code, reason = "not every test binary uses every helper")]
pub fn with_confirmation(mut input: darkdca_report::ReportInput) -> darkdca_report::ReportInput {
    use darkdca_report::NoveltyStatus;
    for c in &mut input.novel_clusters {
        (c.status, c.confirmed_on) = match c.lineage_id {
            15 => (Some(NoveltyStatus::Confirmed), Some(3)),
            19 => (Some(NoveltyStatus::Confirmed), Some(9)),
            _ => (Some(NoveltyStatus::Pending), None),
        };
    }
    input.days[9].n_novel_rejected = 2;
    input
}
