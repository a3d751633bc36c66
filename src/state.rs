//! The application's state, composed here at the root: the web layer's
//! and federation's, each handed to its own routes. Handlers that serve
//! one URL in both representations (`crate::routes`) take both through
//! `FromRef`; `web` and `federation` never see each other.

use axum::extract::FromRef;
use axum_csrf::CsrfConfig;

use crate::{federation::Federation, web::WebState};

#[derive(Clone)]
pub struct AppState {
    pub web: WebState,
    pub federation: Federation,
}

impl FromRef<AppState> for WebState {
    fn from_ref(state: &AppState) -> WebState {
        state.web.clone()
    }
}

impl FromRef<AppState> for Federation {
    fn from_ref(state: &AppState) -> Federation {
        state.federation.clone()
    }
}

impl FromRef<AppState> for CsrfConfig {
    fn from_ref(state: &AppState) -> CsrfConfig {
        state.web.csrf.clone()
    }
}
