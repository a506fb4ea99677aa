//! I/O errors in messages, as people read them.

/// The reason `e` gives, without the " (os error 2)" Rust adds to the
/// operating system's own errors: `No such file or directory`. What
/// `keysmith serve` and the CLI write after "cannot read FILE: ".
pub fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::io_reason;
    use std::io;

    #[test]
    fn reasons_drop_the_os_error_number() {
        let os = io::Error::from_raw_os_error(2);
        assert!(os.to_string().ends_with("(os error 2)"), "{os}");
        let reason = io_reason(&os);
        assert!(
            !reason.is_empty() && !reason.contains("os error"),
            "{reason}"
        );
        assert_eq!(format!("{reason} (os error 2)"), os.to_string());
        assert_eq!(io_reason(&io::Error::other("disk on fire")), "disk on fire");
        assert_eq!(
            io_reason(&io::Error::from(io::ErrorKind::NotFound)),
            io::Error::from(io::ErrorKind::NotFound).to_string()
        );
    }
}
