//! The target's object store, through the `object_store` crate: open it from the deploy URL
//! with the provider's own credentials (environment variables and files), read the
//! manifest, list, put and delete objects, retrying 5xx answers, throttling and dropped
//! connections. Never reads credentials from site.toml, and scrubs every message it
//! returns of secrets from the environment.

use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, BackoffConfig, ObjectStore, ObjectStoreExt, PutOptions, PutPayload,
    RetryConfig,
};
use url::Url;

use super::plan::{Entry, MANIFEST, Manifest};

/// A deploy target, opened.
pub struct Remote {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    /// Whether objects carry headers (a local folder cannot).
    headers: bool,
}

impl Remote {
    /// Opens the store a deploy URL names (`s3://`, `gs://`, `az://`, `file://`).
    pub fn open(url: &Url) -> Result<Remote, String> {
        let prefix = Path::parse(url.path().trim_matches('/'))
            .map_err(|e| scrub(&format!("the URL's path is not a valid prefix: {e}")))?;
        let (store, prefix, headers): (Arc<dyn ObjectStore>, Path, bool) = match url.scheme() {
            "file" => (Arc::new(local(url)?), Path::default(), false),
            "s3" => (Arc::new(s3(url)?), prefix, true),
            "gs" => (Arc::new(gcs(url)?), prefix, true),
            "az" => (Arc::new(azure(url)?), prefix, true),
            other => return Err(format!("unsupported URL scheme `{other}:`")),
        };
        Ok(Remote {
            store,
            prefix,
            headers,
        })
    }

    fn key(&self, path: &str) -> Path {
        let mut key = self.prefix.clone();
        key.extend(path.split('/'));
        key
    }

    /// The bytes of the last deploy's manifest, `None` when there is none (a first deploy).
    pub async fn manifest(&self) -> Result<Option<Vec<u8>>, String> {
        match self.store.get(&self.key(MANIFEST)).await {
            Ok(got) => Ok(Some(got.bytes().await.map_err(failed)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    /// Every key under the prefix, relative to it.
    pub async fn list(&self) -> Result<Vec<String>, String> {
        let objects: Vec<_> = self
            .store
            .list(Some(&self.prefix))
            .try_collect()
            .await
            .map_err(failed)?;
        let keys = objects.iter().filter_map(|o| {
            let parts = o.location.prefix_match(&self.prefix)?;
            Some(
                parts
                    .map(|p| p.as_ref().to_string())
                    .collect::<Vec<_>>()
                    .join("/"),
            )
        });
        Ok(keys.collect())
    }

    /// Uploads one object with the headers its manifest entry names.
    pub async fn put(&self, path: &str, bytes: Vec<u8>, entry: &Entry) -> Result<(), String> {
        let headers = [
            (Attribute::ContentType, &entry.content_type),
            (Attribute::CacheControl, &entry.cache_control),
        ];
        let mut attributes = Attributes::new();
        for (name, value) in headers.into_iter().filter(|_| self.headers) {
            attributes.insert(name, value.clone().into());
        }
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        let payload = PutPayload::from(bytes);
        self.store
            .put_opts(&self.key(path), payload, options)
            .await
            .map(drop)
            .map_err(failed)
    }

    /// Writes the manifest (short-lived: it changes with every deploy).
    pub async fn put_manifest(&self, manifest: &Manifest) -> Result<(), String> {
        let bytes = manifest.to_bytes();
        let entry = Entry {
            blake3: blake3::hash(&bytes).to_hex().to_string(),
            size: bytes.len() as u64,
            content_type: "application/json".into(),
            cache_control: "no-cache".into(),
        };
        self.put(MANIFEST, bytes, &entry).await
    }

    pub async fn delete(&self, path: &str) -> Result<(), String> {
        match self.store.delete(&self.key(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(failed(e)),
        }
    }
}

/// Retries: quick, and bounded so that a target that went away fails within seconds.
fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 4,
        retry_timeout: Duration::from_secs(30),
    }
}

/// The URL's query options (checked against `DEPLOY_URL_OPTIONS` when site.toml was read).
fn options<K: std::str::FromStr>(url: &Url) -> Result<Vec<(K, String)>, String> {
    url.query_pairs()
        .map(|(k, v)| match k.parse::<K>() {
            Ok(key) => Ok((key, v.into_owned())),
            Err(_) => Err(format!(
                "the URL option `{k}` does not apply to {}://",
                url.scheme()
            )),
        })
        .collect()
}

fn bucket(url: &Url) -> String {
    format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default())
}

/// A cloud store's builder from the provider's environment variables, the bucket of the URL,
/// its query options and lede's retry settings. (The three builders share no trait.)
macro_rules! cloud_store {
    ($builder:ty, $url:expr) => {{
        let builder = <$builder>::from_env()
            .with_url(bucket($url))
            .with_retry(retry());
        let builder = options($url)?
            .into_iter()
            .fold(builder, |b, (k, v)| b.with_config(k, v));
        builder.build().map_err(failed)
    }};
}

fn s3(url: &Url) -> Result<object_store::aws::AmazonS3, String> {
    cloud_store!(AmazonS3Builder, url)
}

fn gcs(url: &Url) -> Result<object_store::gcp::GoogleCloudStorage, String> {
    cloud_store!(GoogleCloudStorageBuilder, url)
}

fn azure(url: &Url) -> Result<object_store::azure::MicrosoftAzure, String> {
    cloud_store!(MicrosoftAzureBuilder, url)
}

fn local(url: &Url) -> Result<LocalFileSystem, String> {
    let folder = url
        .to_file_path()
        .map_err(|()| "the file:// URL is not a local folder".to_string())?;
    std::fs::create_dir_all(&folder)
        .map_err(|e| format!("cannot create `{}`: {e}", folder.display()))?;
    LocalFileSystem::new_with_prefix(&folder)
        .map(|fs| fs.with_automatic_cleanup(true))
        .map_err(failed)
}

fn failed(e: object_store::Error) -> String {
    scrub(&e.to_string())
}

/// `message` with the value of every secret-looking environment variable masked, and any
/// `user:password@` in a URL dropped: errors are printed, credentials never are.
pub fn scrub(message: &str) -> String {
    let secret_name = |name: &str| {
        let name = name.to_ascii_uppercase();
        ["SECRET", "TOKEN", "KEY", "PASSWORD", "CREDENTIAL", "SAS"]
            .iter()
            .any(|w| name.contains(w))
    };
    let mut out = message.to_string();
    for (name, value) in std::env::vars() {
        if value.len() >= 6 && secret_name(&name) && out.contains(&value) {
            out = out.replace(&value, "[redacted]");
        }
    }
    while let Some(at) = out.find('@') {
        let Some(start) = out[..at].rfind("://").map(|i| i + 3) else {
            break;
        };
        if out[start..at].contains([' ', '/']) {
            break;
        }
        out.replace_range(start..=at, "");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_drops_url_credentials() {
        assert_eq!(
            scrub("error sending request for url (https://key:pw@host/b/k)"),
            "error sending request for url (https://host/b/k)"
        );
        assert_eq!(scrub("plain message"), "plain message");
    }
}
