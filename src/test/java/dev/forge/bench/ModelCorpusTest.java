package dev.forge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forge.core.LfsOid;
import dev.forge.storage.ChunkStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The corpus generator makes valid, deterministic files, and (at a small scale, 48 MiB base) the chunk store meets
 * the dedup goals on it: copies and header edits under 1 % extra, re-sharding under 2 %, the partial
 * fine-tune under 30 %, the whole corpus under 45 % of its logical size.
 */
class ModelCorpusTest {
    @TempDir
    Path dir;

    @Test
    void filesAreValidAndDeterministic() throws IOException {
        ModelCorpus a = new ModelCorpus(1, 4 << 20);
        ModelCorpus b = new ModelCorpus(1, 4 << 20);
        List<ModelCorpus.Case> cases = a.cases();
        assertThat(cases).extracting(ModelCorpus.Case::name)
                .containsExactly("base", "copy", "resharded", "header-edit", "fine-tune", "gguf-family");
        for (int i = 0; i < cases.size(); i++) {
            for (int f = 0; f < cases.get(i).files().size(); f++) {
                assertThat(ModelCorpus.sha256(cases.get(i).files().get(f))).isEqualTo(ModelCorpus.sha256(b.cases().get(i).files().get(f)));
            }
        }
        ModelCorpus.File st = cases.getFirst().files().getFirst();
        try (InputStream in = st.open().get()) {
            long n = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonNode header = new ObjectMapper().readTree(in.readNBytes((int) n));
            assertThat(header.path("__metadata__").path("format").asText()).isEqualTo("pt");
            long end = 0;
            for (var it = header.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getKey().equals("__metadata__")) end = Math.max(end, e.getValue().path("data_offsets").get(1).asLong());
            }
            assertThat(8 + n + end).isEqualTo(st.size());
        }
        for (ModelCorpus.File g : cases.getLast().files()) {
            try (InputStream in = g.open().get()) {
                assertThat(new String(in.readNBytes(4), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("GGUF");
            }
        }
    }

    @Test
    void theChunkStoreMeetsTheDedupGoalsOnASmallCorpus() throws IOException {
        ChunkStore store = new ChunkStore(dir.resolve("chunks"), InstantSource.system());
        Map<String, Double> extra = new LinkedHashMap<>();
        long logical = 0;
        long before = 0;
        for (ModelCorpus.Case c : new ModelCorpus(7, 48L << 20).cases()) {
            for (ModelCorpus.File f : c.files()) {
                try (InputStream in = f.open().get()) {
                    store.put(in, new LfsOid(ModelCorpus.sha256(f)), f.size());
                }
            }
            long stored = store.stats().storedBytes();
            extra.put(c.name(), 100.0 * (stored - before) / c.bytes());
            before = stored;
            logical += c.bytes();
        }
        double overall = 100.0 * before / logical;
        String report = extra + ", overall " + overall + " %";
        assertThat(extra.get("copy")).as(report).isLessThan(1);
        assertThat(extra.get("header-edit")).as(report).isLessThan(1);
        assertThat(extra.get("resharded")).as(report).isLessThan(2);
        assertThat(extra.get("fine-tune")).as(report).isLessThan(30);
        assertThat(overall).as(report).isLessThan(45);
    }
}
