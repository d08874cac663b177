package dev.forge.crash;

import dev.forge.core.LfsOid;
import dev.forge.storage.BlobStore;
import dev.forge.storage.ChunkStore;
import dev.forge.storage.XorbStore;
import dev.forge.storage.Verifiable;
import dev.forge.storage.XetHash;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGKILL of a process storing Xet uploads (xorbs as packs, then files as manifests and Xet index entries) at several
 * moments: afterwards fsck finds nothing wrong, every file it reported whole is whole, and every Xet index entry names
 * a file whose bytes hash to its name — nothing is half visible.
 */
@Tag("slow")
class XetUploadCrashTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"xorb 0", "file 0", "xorb 2", "file 3"})
    void killDuringXetUploads(String after) throws Exception {
        Path chunks = dir.resolve("chunks");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), XetUploadChild.class.getName(),
                chunks.toString(), Integer.toString(after.hashCode())));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String[]> files = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("file ")) files.add(line.split(" "));
                if (line.equals(after) || line.startsWith(after + " ")) {
                    p.destroyForcibly(); // SIGKILL, while the next xorb or file is being written
                    break;
                }
            }
        }
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();

        try (ChunkStore store = new ChunkStore(chunks, InstantSource.system())) {
            XorbStore xorbs = store.capability(XorbStore.class).orElseThrow();
            Verifiable.FsckReport fsck = store.fsck(m -> {});
            assertThat(fsck.problems()).as("fsck after SIGKILL").isEmpty();
            for (String[] f : files) {
                LfsOid oid = new LfsOid(f[3]);
                assertThat(xorbs.oidOfXetHash(XetHash.fromHex(f[2]))).contains(oid);
                try (SeekableByteChannel ch = store.open(oid)) {
                    assertThat(BlobStore.sha256(ch)).isEqualTo(oid);
                }
            }
            // every index entry, printed or not, names a whole file
            try (Stream<Path> s = Files.walk(chunks.resolve("xet"))) {
                for (Path e : s.filter(Files::isRegularFile).toList()) {
                    LfsOid oid = xorbs.oidOfXetHash(XetHash.fromHex(e.getFileName().toString())).orElseThrow();
                    assertThat(fsck.verified()).contains(oid);
                }
            }
            assertThat(fsck.files()).isGreaterThanOrEqualTo(files.size());
        }
    }
}
