package dev.forge.http.files;

import org.eclipse.jetty.io.Content;

import java.io.Closeable;
import java.io.IOException;

/**
 * What the body sources of stored objects share: they are always ready ({@link #demand} runs its callback at once, as
 * reading a store is blocking, never "not yet"), they end once (EOF or a failure, then always the same terminal chunk),
 * and they close the object they read from when they end. Subclasses produce the chunks.
 */
abstract class StoredBodySource implements Content.Source {
    private final Closeable owner;
    private Content.Chunk terminal;

    StoredBodySource(Closeable owner) {
        this.owner = owner;
    }

    /** The next chunk, while the body has not ended; {@link #end} it with the last one. */
    abstract Content.Chunk next();

    @Override
    public final synchronized Content.Chunk read() {
        return terminal != null ? terminal : next();
    }

    @Override
    public final void demand(Runnable demandCallback) {
        demandCallback.run();
    }

    @Override
    public final synchronized void fail(Throwable failure) {
        if (terminal == null) end(Content.Chunk.from(failure, true));
    }

    /** Ends the body with {@code last} (EOF or a failure) and closes what it was read from; returns {@code last}. */
    final Content.Chunk end(Content.Chunk last) {
        terminal = last;
        try {
            owner.close();
        } catch (IOException ignored) {
            // read-only: nothing to lose
        }
        return last;
    }
}
