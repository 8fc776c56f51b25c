//! What the shell and `man` read about the command line, generated from the clap
//! definitions in `cli.rs` so they never drift from it: completion scripts
//! (clap_complete) and man pages (clap_mangen).

use crate::cli::{COMMIT_DATE, Cli, EXIT_CODES};
use clap::CommandFactory;
use clap_mangen::Man;
use peakplan::report::OutFile;

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "peakplan", &mut script);
    script
}

/// The top page, `peakplan.1`: every section clap_mangen renders, with the exit codes as
/// the EXIT STATUS section.
pub fn top_page() -> std::io::Result<Vec<u8>> {
    let man = man(command());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    page.extend(exit_status().as_bytes());
    man.render_version_section(&mut page)?;
    Ok(dedupe_preamble(page))
}

/// Each section rendered alone repeats the lines clap_mangen puts before `.TH`; they
/// are needed once.
fn dedupe_preamble(page: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&page);
    let Some(th) = text.find(".TH ") else {
        return page;
    };
    let (preamble, rest) = text.split_at(th);
    if preamble.is_empty() {
        return page;
    }
    format!("{preamble}{}", rest.replace(preamble, "")).into_bytes()
}

/// `peakplan.1` and one page per subcommand (`peakplan-simulate.1`, …), named as `man`
/// looks them up.
pub fn pages() -> std::io::Result<Vec<OutFile>> {
    let top = command();
    let mut files = vec![OutFile {
        name: man(top.clone()).get_filename(),
        bytes: top_page()?,
    }];
    for sub in top.get_subcommands().filter(|s| !s.is_hide_set()) {
        let man = man(sub.clone());
        let mut bytes = Vec::new();
        man.render(&mut bytes)?;
        bytes.extend(b".SH \"SEE ALSO\"\n.BR peakplan (1)\n");
        files.push(OutFile {
            name: man.get_filename(),
            bytes,
        });
    }
    Ok(files)
}

/// A page dated by the commit. Its footer names the version without the commit, which
/// is too long for it; the VERSION section names the commit.
fn man(cmd: clap::Command) -> Man {
    Man::new(cmd)
        .date(COMMIT_DATE)
        .source(concat!("peakplan ", env!("CARGO_PKG_VERSION")))
}

/// The command as the pages show it: built (so subcommands are named `peakplan-simulate`),
/// without clap's `help` subcommand, which has no page of its own.
fn command() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// [`EXIT_CODES`] in roff: a tagged paragraph per code, then the closing note.
fn exit_status() -> String {
    let mut roff = String::from(".SH \"EXIT STATUS\"\n");
    for line in EXIT_CODES.lines().skip(1) {
        let text = |t: &str| format!("\\&{}\n", t.trim().replace('\\', "\\e"));
        match line.trim_start().split_once("  ") {
            Some((code, meaning)) if line.starts_with("  ") => {
                roff += &format!(".TP\n.B {code}\n{}", text(meaning));
            }
            _ => roff += &format!(".PP\n{}", text(line)),
        }
    }
    roff
}
