package dev.forge.http.files;

import dev.forge.core.MappedRegions;
import org.eclipse.jetty.io.Content;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A response body of regions handed in as a list (see {@link BodyStreamer#stream(dev.forge.http.exchange.Exchange, List)}):
 * each is written as it is, straight from where it lives, and released by Jetty once written; on failure the regions
 * not yet handed out are released here. Always ready.
 */
final class RegionListSource implements Content.Source {
    private final List<MappedRegions.Region> regions;
    private final long length;
    private int next;
    private Content.Chunk terminal;

    RegionListSource(List<MappedRegions.Region> regions) {
        this.regions = List.copyOf(regions);
        this.length = this.regions.stream().mapToLong(r -> r.bytes().remaining()).sum();
    }

    @Override
    public long getLength() { return length; }

    @Override
    public synchronized Content.Chunk read() {
        if (terminal != null) return terminal;
        if (next == regions.size()) return terminal = Content.Chunk.EOF;
        MappedRegions.Region region = regions.get(next++);
        ByteBuffer bytes = region.bytes().slice();
        boolean last = next == regions.size();
        if (last) terminal = Content.Chunk.EOF;
        return Content.Chunk.from(bytes, last, region::close);
    }

    @Override
    public void demand(Runnable demandCallback) {
        demandCallback.run();
    }

    @Override
    public synchronized void fail(Throwable failure) {
        if (terminal != null) return;
        terminal = Content.Chunk.from(failure, true);
        while (next < regions.size()) regions.get(next++).close();
    }
}
