//! Files across the web edge, for pages and API alike: the file of an upload, and a file to
//! save with its name.

use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use crate::errors::AppError;

/// The content type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The content type of a CSV file (UTF-8, which Excel reads with the BOM the writers add).
pub const CSV: &str = "text/csv; charset=utf-8";

/// The first file of a multipart form: its name and bytes. Handlers take the form as a
/// `Result`, so that who may upload is checked before what was sent.
pub async fn read_file(
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Option<(String, Vec<u8>)>, AppError> {
    let mut multipart = multipart.map_err(|_| AppError::InvalidInput("error-import-unreadable"))?;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::InvalidInput("error-import-unreadable"))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("").to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::InvalidInput("error-import-unreadable"))?;
            if name.is_empty() && bytes.is_empty() {
                return Ok(None);
            }
            return Ok(Some((name, bytes.to_vec())));
        }
    }
    Ok(None)
}

/// A file to save, its name in UTF-8 (RFC 6266) with an ASCII fallback.
///
/// `fallback` is the name for browsers that do not read `filename*`: ASCII, saying what
/// the file is (`weiyifang-report-2026-11.xlsx`), never another file's name.
pub fn download(
    file_name: &str,
    fallback: &str,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response {
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let fallback: String = fallback
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-._".contains(*c))
        .collect();
    let disposition = format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}");
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}
