//! `keysmith bytes`: random bytes streamed to stdout, in constant memory.

use crate::failure::{Failure, Status};
use crate::size::parse_size;
use keysmith::zeroize::Zeroize;
use std::io::{IsTerminal, Write};

/// Stream SIZE random bytes to stdout, in constant memory.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
SIZE is a whole number with an optional suffix: K, M, G, T (or KiB, MiB,
GiB, TiB) multiply by powers of 1024; KB, MB, GB, TB by powers of 1000.
A progress bar is drawn on stderr when stderr is a terminal.

Examples:
  keysmith bytes 64 > seed.bin
  keysmith bytes 1GiB > /dev/null
  keysmith bytes 10M | sha256sum")]
pub(crate) struct BytesArgs {
    /// How many bytes: 64, 10K, 1M, 1G, 1GiB, 1GB, ...
    #[arg(value_name = "SIZE", value_parser = parse_size)]
    size: u64,
}

pub(crate) fn run(a: BytesArgs) -> Result<Status, Failure> {
    stream_bytes(a.size)?;
    Ok(Status::Yes)
}

/// Writes `size` random bytes to stdout in fixed-size chunks, so memory use
/// does not grow with `size`.
fn stream_bytes(size: u64) -> Result<(), Failure> {
    const CHUNK: usize = 64 * 1024;
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(size);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bytes}/{total_bytes} [{bar:40}] {bytes_per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    });
    let mut buf = vec![0u8; CHUNK];
    let mut stdout = std::io::stdout().lock();
    let mut left = size;
    let result = (|| {
        while left > 0 {
            let n = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
            keysmith::fill_bytes(&mut buf[..n]);
            stdout.write_all(&buf[..n]).map_err(Failure::output)?;
            left -= n as u64;
            if let Some(bar) = &progress {
                bar.inc(n as u64);
            }
        }
        stdout.flush().map_err(Failure::output)
    })();
    buf.zeroize();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    result
}
