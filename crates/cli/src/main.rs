//! The `darkdca` command.

fn main() -> anyhow::Result<()> {
    Ok(())
}
