package dev.forge.storage;

import java.nio.file.Path;

class InMemoryBlobStoreTest extends BlobStoreContract {
    @Override
    protected BlobStore createStore(Path dir) {
        return new InMemoryBlobStore();
    }
}
