//! Reading a `multipart/form-data` body: its text fields and its files,
//! for the editor's forms and for Micropub alike.

use axum::extract::{Multipart, multipart::MultipartError};

/// A file sent with a form.
pub struct Upload {
    pub field: String,
    pub bytes: Vec<u8>,
}

/// The text fields, in order, and the files (empty ones left out). Field
/// names lose a trailing `[]`, which some clients add to repeated fields.
pub async fn read(
    multipart: &mut Multipart,
) -> Result<(Vec<(String, String)>, Vec<Upload>), MultipartError> {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await? {
        let name = field
            .name()
            .unwrap_or_default()
            .trim_end_matches("[]")
            .to_owned();
        if field.file_name().is_some() {
            let bytes = field.bytes().await?;
            if !bytes.is_empty() {
                files.push(Upload {
                    field: name,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            fields.push((name, field.text().await?));
        }
    }
    Ok((fields, files))
}
