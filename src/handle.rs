//! A handle to state that every request shares: cloned for every request
//! and middleware, so it is one reference-counted pointer, read through as
//! if it were the state itself.

use std::{ops::Deref, sync::Arc};

pub struct Handle<T>(Arc<T>);

impl<T> Handle<T> {
    pub fn of(parts: T) -> Handle<T> {
        Handle(Arc::new(parts))
    }
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        Handle(Arc::clone(&self.0))
    }
}

impl<T> Deref for Handle<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}
