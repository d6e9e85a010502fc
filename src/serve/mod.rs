//! `lede serve`: a local preview server that rebuilds on every save and reloads the browser.
//! A layer on top of the build core; the core knows nothing about it.

use std::net::IpAddr;

use crate::diagnostics::Diagnostic;
use crate::site::Options;

/// What `lede serve` was asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub site: Options,
    pub interface: IpAddr,
    pub port: u16,
    pub open: bool,
}

/// Serves the site until Ctrl-C.
pub fn serve(_options: &ServeOptions) -> Result<(), Vec<Diagnostic>> {
    Err(vec![Diagnostic::error(
        "",
        "lede serve is not implemented yet",
    )])
}
