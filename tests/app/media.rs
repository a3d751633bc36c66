//! Image uploads: limits, re-encoding without camera data, serving, and
//! images in posts as the fediverse sees them.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use reqwest::multipart::{Form, Part};

use crate::{
    fediverse::Fediverse,
    helpers::{TestApp, csrf_token, location},
};

/// A JPEG `width`×`height` whose EXIF names a camera ("SecretCam 3000") and
/// asks for a quarter turn clockwise (orientation 6), as phones write them.
fn camera_jpeg(width: u32, height: u32) -> Vec<u8> {
    let picture = RgbImage::from_fn(width, height, |x, _| image::Rgb([(x * 6) as u8, 90, 160]));
    let mut jpeg = Vec::new();
    DynamicImage::ImageRgb8(picture)
        .write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .expect("encode");
    let make = b"SecretCam 3000\0";
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    // Make: ASCII, stored after the directory (8 + 2 + 2 * 12 + 4 = 38).
    tiff.extend(0x010fu16.to_le_bytes());
    tiff.extend(2u16.to_le_bytes());
    tiff.extend((make.len() as u32).to_le_bytes());
    tiff.extend(38u32.to_le_bytes());
    // Orientation: SHORT 6.
    tiff.extend(0x0112u16.to_le_bytes());
    tiff.extend(3u16.to_le_bytes());
    tiff.extend(1u32.to_le_bytes());
    tiff.extend([6, 0, 0, 0]);
    tiff.extend(0u32.to_le_bytes());
    tiff.extend(make);
    let mut app1 = vec![0xff, 0xe1];
    app1.extend(((2 + 6 + tiff.len()) as u16).to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

pub(crate) fn png_with_transparency() -> Vec<u8> {
    let picture = RgbaImage::from_fn(30, 30, |x, _| image::Rgba([200, 10, 10, (x * 8) as u8]));
    let mut png = Vec::new();
    DynamicImage::ImageRgba8(picture)
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .expect("encode");
    png
}

/// PNG chunks carry a CRC-32 of their type and data.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Posts a multipart form with the CSRF token of `form_page`.
async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    form_page: &str,
    action: &str,
    fields: &[(&str, &str)],
    image: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let (status, page) = app.get_text(client, form_page).await;
    assert_eq!(status, 200, "{form_page}: {page}");
    let mut form = Form::new().text("authenticity_token", csrf_token(&page));
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    if let Some((file_name, bytes)) = image {
        form = form.part("image", Part::bytes(bytes).file_name(file_name.to_owned()));
    }
    client
        .post(app.url(action))
        .multipart(form)
        .send()
        .await
        .expect("POST")
}

async fn media_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    blog::entities::media::Entity::find()
        .count(&app.db)
        .await
        .expect("count")
}

fn stored_files(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.config.media_dir())
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The first `/media/...` address in a page.
fn media_path(html: &str) -> String {
    let start = html.find("/media/").expect("an image address");
    let end = html[start..].find(['"', ')', '<']).expect("end of address") + start;
    html[start..end].to_owned()
}

#[tokio::test]
async fn an_uploaded_photo_is_turned_upright_scaled_stripped_of_camera_data_and_cached_for_a_year()
{
    let app = TestApp::spawn_with(|c| c.media.max_dimension = 64).await;
    let admin = app.logged_in_admin().await;
    let original = camera_jpeg(120, 40);
    assert!(original.windows(9).any(|w| w == b"SecretCam"));

    let response = send(
        &app,
        &admin,
        "/admin/media",
        "/admin/media",
        &[("image_alt", "A blue  gradient\nat dusk")],
        Some(("holiday.jpg", original)),
    )
    .await;

    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/admin/media?notice=uploaded");
    let (_, library) = app.get_text(&admin, &location(&response)).await;
    assert!(library.contains("Image uploaded."));
    assert!(library.contains("A blue gradient at dusk"), "{library}");
    let path = media_path(&library);
    assert!(library.contains(&format!("![A blue gradient at dusk]({})", app.url(&path))));
    let served = app.get(&app.client(), &path).await;
    assert_eq!(served.status(), 200);
    let header = |name: &str| {
        served.headers()[name]
            .to_str()
            .expect("ASCII header")
            .to_owned()
    };
    assert_eq!(header("content-type"), "image/jpeg");
    assert_eq!(
        header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let bytes = served.bytes().await.expect("image");
    assert!(
        !bytes.windows(9).any(|w| w == b"SecretCam"),
        "camera data is gone"
    );
    assert!(!bytes.windows(4).any(|w| w == b"Exif"));
    let picture = image::load_from_memory(&bytes).expect("a JPEG");
    // 120×40 turned a quarter: 40×120, then scaled to fit 64.
    assert_eq!((picture.width(), picture.height()), (21, 64));
    assert!(path.ends_with("-21x64.jpg"), "{path}");
    let files = stored_files(&app);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(path.ends_with(&files[0]));
}

#[tokio::test]
async fn transparent_images_stay_png_and_keep_their_transparency() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in_admin().await;

    send(
        &app,
        &admin,
        "/admin/media",
        "/admin/media",
        &[("image_alt", "A fading red square")],
        Some(("logo.png", png_with_transparency())),
    )
    .await;

    let (_, library) = app.get_text(&admin, "/admin/media").await;
    let path = media_path(&library);
    assert!(path.ends_with("-30x30.png"), "{path}");
    let bytes = app
        .get(&app.client(), &path)
        .await
        .bytes()
        .await
        .expect("image");
    let picture = image::load_from_memory(&bytes).expect("a PNG").to_rgba8();
    assert_eq!(picture.get_pixel(0, 0).0[3], 0);
    assert_eq!(picture.get_pixel(29, 0).0[3], 232);
}

#[tokio::test]
async fn uploads_without_a_description_of_the_wrong_kind_too_large_or_too_big_to_decode_are_refused()
 {
    let app = TestApp::spawn_with(|c| c.media.max_upload_mib = 1).await;
    let admin = app.logged_in_admin().await;
    // A PNG header claiming 100,000 × 100,000 pixels.
    let mut bomb = png_with_transparency();
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("", camera_jpeg(10, 10), 422, "Describe the image"),
        (
            "A page",
            b"%PDF-1.7 not an image".to_vec(),
            422,
            "Only JPEG, PNG, GIF and WebP",
        ),
        ("Huge", bomb, 422, "could not be read"),
        ("Big", vec![0xff; 3 * 1024 * 1024], 413, "too large"),
    ];

    for (alt, bytes, status, message) in cases {
        let response = send(
            &app,
            &admin,
            "/admin/media",
            "/admin/media",
            &[("image_alt", alt)],
            Some(("upload.jpg", bytes)),
        )
        .await;
        assert_eq!(response.status(), status, "{message}");
        let body = response.text().await.expect("body");
        assert!(body.contains(message), "{message}: {body}");
    }
    assert_eq!(media_count(&app).await, 0);
    assert!(stored_files(&app).is_empty());
}

#[tokio::test]
async fn only_stored_image_names_are_served() {
    let app = TestApp::spawn().await;
    let client = app.client();
    std::fs::create_dir_all(app.config.media_dir()).expect("media folder");
    std::fs::write(app.store.data_dir().join("secret.txt"), "no").expect("file");

    for path in [
        "/media/0123456789abcdef0123456789abcdef-1x1.jpg",
        "/media/..%2Fsecret.txt",
        "/media/secret.txt",
        "/media/.secret-1x1.jpg.partial",
    ] {
        let (status, _) = app.get_text(&client, path).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test]
async fn an_image_added_in_the_editor_shows_in_the_post_and_reaches_the_fediverse_as_an_attachment()
{
    let net = Fediverse::start(&[("peer.test", &["alice"])]).await;
    net.peers[0].follow("alice", &net.handle()).await;
    net.peers[0].wait_for("Accept", 1).await;
    let admin = net.blog.logged_in_admin().await;
    let fields = [
        ("title", "The Reading Garden"),
        ("body", "Our new garden opened today."),
        ("image_alt", "Benches under an apple tree"),
    ];

    let refused = send(
        &net.blog,
        &admin,
        "/admin/posts/new",
        "/admin/posts/new",
        &[("title", "x"), ("action", "upload")],
        Some(("garden.jpg", camera_jpeg(40, 20))),
    )
    .await;
    assert_eq!(refused.status(), 422, "no description");
    let uploaded = send(
        &net.blog,
        &admin,
        "/admin/posts/new",
        "/admin/posts/new",
        &[fields.as_slice(), &[("action", "upload")]].concat(),
        Some(("garden.jpg", camera_jpeg(40, 20))),
    )
    .await;
    assert_eq!(uploaded.status(), 200);
    let editor = uploaded.text().await.expect("editor");
    assert!(editor.contains("Image uploaded and added"), "{editor}");
    let body_start = editor.find(r#"name="body""#).expect("body field");
    let body_field = &editor[body_start..];
    assert!(body_field.contains("Our new garden opened today.\n\n![Benches under an apple tree]("));
    let path = media_path(body_field);
    let preview = &editor[editor.find(r#"class="preview""#).expect("a preview")..];
    assert!(
        preview.contains(r#"alt="Benches under an apple tree""#),
        "{preview}"
    );

    let markdown = format!(
        "Our new garden opened today.\n\n![Benches under an apple tree]({})\n",
        blog::urls::Urls::new(&net.blog.config).absolute(&path)
    );
    let published = send(
        &net.blog,
        &admin,
        "/admin/posts/new",
        "/admin/posts/new",
        &[
            ("title", "The Reading Garden"),
            ("body", &markdown),
            ("action", "publish"),
        ],
        None,
    )
    .await;
    assert_eq!(published.status(), 303);

    let (_, page) = net
        .blog
        .get_text(&net.blog.client(), "/posts/the-reading-garden")
        .await;
    assert!(
        page.contains(r#"alt="Benches under an apple tree""#),
        "{page}"
    );
    assert!(page.contains(r#"<meta property="og:image""#));
    let creates = net.peers[0].wait_for("Create", 1).await;
    let article = &creates[0].activity["object"];
    let attachment = &article["attachment"][0];
    assert_eq!(attachment["type"], "Image");
    assert_eq!(attachment["mediaType"], "image/jpeg");
    assert_eq!(attachment["name"], "Benches under an apple tree");
    assert_eq!(attachment["width"], 20);
    assert_eq!(attachment["height"], 40);
    assert_eq!(attachment["url"], net.blog_url(&path));
    assert_eq!(article["image"]["url"], attachment["url"]);
    assert_eq!(
        article["preview"]["attachment"][0]["url"], attachment["url"],
        "the short-form preview shows the first image too"
    );
    let fetched = reqwest::get(net.blog.url(&path)).await.expect("GET");
    assert_eq!(fetched.status(), 200);
}
