//! The words an attachment row shows for its file's state.

use crate::files::FileStatusKind;

/// Whole megabytes, with thousands separated ("1,000").
fn megabytes(mb: f64) -> String {
    let whole = mb.round().max(0.0) as u64;
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A short label for an attachment file's state, for a list row or a
/// reader's title bar: "Not downloaded", "Downloading 45%", "Downloaded",
/// "Changed on this device", "Newer version online", "Not available
/// online", "Waiting to upload", "Upload failed: online storage full (998
/// of 1,000 MB)", "Linked file"…
#[uniffi::export]
pub fn file_status_text(status: FileStatusKind) -> String {
    match status {
        FileStatusKind::NotDownloaded => "Not downloaded".into(),
        FileStatusKind::Downloading { done, total } if total > 0 => {
            let percent = (done.min(total) as f64 * 100.0 / total as f64).floor();
            format!("Downloading {percent:.0}%")
        }
        FileStatusKind::Downloading { .. } => "Downloading…".into(),
        FileStatusKind::Downloaded => "Downloaded".into(),
        FileStatusKind::ModifiedLocally => "Changed on this device".into(),
        FileStatusKind::ChangedRemotely => "Newer version online".into(),
        FileStatusKind::MissingOnServer => "Not available online".into(),
        FileStatusKind::UploadPending => "Waiting to upload".into(),
        FileStatusKind::UploadFailed {
            kind,
            usage_mb,
            quota_mb,
            ..
        } => match (kind.as_str(), usage_mb, quota_mb) {
            ("storage quota", Some(usage), Some(quota)) => format!(
                "Upload failed: online storage full ({} of {} MB)",
                megabytes(usage),
                megabytes(quota)
            ),
            ("storage quota", _, _) => "Upload failed: online storage full".into(),
            ("network", _, _) => "Upload failed: no connection".into(),
            ("auth" | "binding", _, _) => "Upload failed: sign in again".into(),
            _ => "Upload failed".into(),
        },
        FileStatusKind::Linked => "Linked file".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_has_words() {
        assert_eq!(
            file_status_text(FileStatusKind::Downloading {
                done: 450,
                total: 1000
            }),
            "Downloading 45%"
        );
        assert_eq!(
            file_status_text(FileStatusKind::Downloading { done: 0, total: 0 }),
            "Downloading…"
        );
        assert_eq!(
            file_status_text(FileStatusKind::UploadFailed {
                kind: "storage quota".into(),
                reason: "full".into(),
                usage_mb: Some(998.4),
                quota_mb: Some(1000.0),
            }),
            "Upload failed: online storage full (998 of 1,000 MB)"
        );
        assert_eq!(
            file_status_text(FileStatusKind::UploadFailed {
                kind: "server".into(),
                reason: "HTTP 500".into(),
                usage_mb: None,
                quota_mb: None,
            }),
            "Upload failed"
        );
        assert_eq!(file_status_text(FileStatusKind::Linked), "Linked file");
        assert_eq!(megabytes(1_234_567.0), "1,234,567");
        assert_eq!(megabytes(12.0), "12");
    }
}
