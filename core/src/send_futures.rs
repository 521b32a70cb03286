//! The async entry points that move data over the network return `Send`
//! futures, so an app spawns them on its own multi-threaded runtime. This
//! module only compiles while that holds.

use crate::Library;
use crate::files::DownloadOptions;
use crate::sync::{SyncOptions, SyncResetMode};

fn assert_send<T: Send>(_: &T) {}

const _: fn(&Library, &SyncOptions, &DownloadOptions, &[String]) =
    |library, options, download, keys| {
        assert_send(&library.sync(options));
        assert_send(&library.reset_sync(SyncResetMode::Merge, options));
        assert_send(&library.download_files(keys, download));
        assert_send(&library.sign_out(&options.credentials));
    };
