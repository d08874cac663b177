package dev.forge.storage;

import dev.forge.app.Forge;

import org.apache.commons.codec.digest.Blake3;
import org.bouncycastle.crypto.digests.Blake3Digest;
import org.bouncycastle.crypto.params.Blake3Parameters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Per-core throughput of what ingest does to every byte: Xet chunking (boundaries only), the keyed BLAKE3 chunk
 * hash with the candidates (Forge's Vector API {@link Blake3Vector} at 4, 8 and 16 lanes, each in its own fork
 * because the width is a JVM-wide constant; Bouncy Castle {@code Blake3Digest}, the fallback; Apache commons-codec
 * {@code Blake3}; {@code XetHash.chunk}, which uses the first once warm (see {@link XetHash})), and SHA-256 (the LFS oid, computed
 * over the whole stream) as the reference. No BLAKE3 shipped as a native library in a Maven artifact resolves
 * here (docs/benchmarks.md).
 * One operation is one 64 KiB chunk (hashes) or 16 MiB (chunking); JMH reports ops/s, so MiB/s = ops/s × 0.0625
 * or × 16.
 *
 * <pre>
 * ./mvnw -B -q -Dforge.buildDir=target-dedup test-compile
 * ./mvnw -B -q -Dforge.buildDir=target-dedup dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/cp.txt
 * . bin/java-home.sh; $JAVA_HOME/bin/java -cp target-dedup/test-classes:target-dedup/classes:$(cat /tmp/cp.txt) org.openjdk.jmh.Main ChunkHashBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class ChunkHashBenchmark {
    private static final byte[] KEY = new byte[32];
    private byte[] chunk;
    private byte[] stream;
    private final byte[] out = new byte[32];
    private Blake3Digest bc;
    private Blake3Vector vector;
    private MessageDigest sha;

    @Setup
    public void setUp() throws Exception {
        SplittableRandom r = new SplittableRandom(1);
        chunk = new byte[64 * 1024];
        r.nextBytes(chunk);
        stream = new byte[16 << 20];
        r.nextBytes(stream);
        for (int i = 0; i < KEY.length; i++) KEY[i] = (byte) (i * 7 + 1);
        bc = new Blake3Digest(256);
        bc.init(Blake3Parameters.key(KEY));
        sha = MessageDigest.getInstance("SHA-256");
        vector = new Blake3Vector(KEY);
    }

    @Benchmark
    public void blake3BouncyCastle(Blackhole bh) {
        bc.update(chunk, 0, chunk.length);
        bc.doFinal(out, 0);
        bh.consume(out);
    }

    @Benchmark
    public void blake3XetChunkHash(Blackhole bh) {
        bh.consume(XetHash.chunk(chunk, 0, chunk.length));
    }

    /** Vector API, 4 chunks per compression (128-bit vectors). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dforge.blake3.lanes=4"})
    public void blake3Vector128(Blackhole bh) {
        bh.consume(vector.hash(chunk, 0, chunk.length));
    }

    /** Vector API, 8 chunks per compression (256-bit vectors, AVX2). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dforge.blake3.lanes=8"})
    public void blake3Vector256(Blackhole bh) {
        bh.consume(vector.hash(chunk, 0, chunk.length));
    }

    /** Vector API, 16 chunks per compression (512-bit vectors, AVX-512). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dforge.blake3.lanes=16"})
    public void blake3Vector512(Blackhole bh) {
        bh.consume(vector.hash(chunk, 0, chunk.length));
    }

    @Benchmark
    public void blake3CommonsCodec(Blackhole bh) {
        Blake3 b = Blake3.initKeyedHash(KEY);
        b.update(chunk);
        bh.consume(b.doFinalize(32));
    }

    @Benchmark
    public void sha256Jdk(Blackhole bh) {
        sha.update(chunk);
        bh.consume(sha.digest());
    }

    /** Xet boundaries over 16 MiB of random bytes. */
    @Benchmark
    public int xetChunking16MiB() {
        XetChunker c = new XetChunker();
        int count = 0;
        for (int pos = 0, cut; pos < stream.length && (cut = c.scan(stream, pos, stream.length)) >= 0; pos = cut) count++;
        return count;
    }
}
